import { spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import * as http from 'http';
import { AddressInfo } from 'net';
import { buildHandlerBundle } from '../../src/bundling/handler-bundle';
import { createLocalApi, toProxyEvent } from '../../scripts/local-stage/local-api';
import { PROJECT_ROOT, checkout } from '../helpers';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(base: string, path: string, method = 'GET', body?: string, headers: http.OutgoingHttpHeaders = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the local API server', () => {
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    delete process.env.GREETING;
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    server = createLocalApi({ stage: 'test', handlerFile: buildHandlerBundle(PROJECT_ROOT).file });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await new Promise((resolve) => server.close(resolve));
  });

  it.each([
    ['/test/hello?name=David', 'Hello David'],
    ['/test/hello/David', 'Hello David'],
    ['/test/hello', 'Hello world'],
    ['/test/', 'Hello world'],
    ['/test', 'Hello world'],
  ])('answers GET %s with 200 %s', async (path, text) => {
    const reply = await request(base, path);
    expect(reply).toMatchObject({ status: 200, body: text });
    expect(reply.headers['content-type']).toBe('text/plain; charset=utf-8');
  });

  it('reads the name from a JSON body', async () => {
    const reply = await request(base, '/test/hello', 'POST', '{"name": "David"}', { 'content-type': 'application/json' });
    expect(reply).toMatchObject({ status: 200, body: 'Hello David' });
  });

  it('answers a malformed body with 400 and a JSON error', async () => {
    const reply = await request(base, '/test/hello', 'POST', '{"name": ', { 'content-type': 'application/json' });
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body).message).toBe('body is not valid JSON; send {"name": "<your name>"}');
  });

  it('answers DELETE with 405 and an Allow header', async () => {
    const reply = await request(base, '/test/hello', 'DELETE');
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe('GET, HEAD, POST');
  });

  it("answers paths outside the stage as API Gateway does: 403 Missing Authentication Token", async () => {
    const reply = await request(base, '/prod/hello');
    expect([reply.status, JSON.parse(reply.body)]).toEqual([403, { message: 'Missing Authentication Token' }]);
  });
});

describe('toProxyEvent', () => {
  it('builds the REST proxy event API Gateway sends for /test/hello/David?name=x', () => {
    const event = toProxyEvent(
      { method: 'GET', url: '/test/hello/David?name=x&name=y', headers: { host: 'localhost' }, body: Buffer.alloc(0) },
      'test',
    );
    expect(event).toMatchObject({
      resource: '/{proxy+}',
      path: '/hello/David',
      httpMethod: 'GET',
      pathParameters: { proxy: 'hello/David' },
      queryStringParameters: { name: 'y' },
      multiValueQueryStringParameters: { name: ['x', 'y'] },
      body: null,
      isBase64Encoded: false,
      requestContext: { stage: 'test', path: '/test/hello/David', resourcePath: '/{proxy+}' },
    });
  });

  it('base64-encodes a binary body', () => {
    const event = toProxyEvent(
      { method: 'POST', url: '/test/x', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from([0, 1, 2]) },
      'test',
    );
    expect(event).toMatchObject({ body: 'AAEC', isBase64Encoded: true });
  });
});

/** A started server process, with what it printed so far. */
function startServer(command: string, args: string[], env: NodeJS.ProcessEnv, cwd = PROJECT_ROOT) {
  const child = spawn(command, args, { cwd, env: { ...process.env, PORT: '0', ENVIRONMENT: 'dev', ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const printed = async (pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(out);
      if (match) return match;
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`never printed ${pattern}; stdout: ${out}; stderr: ${err}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return { child, exited, printed, output: () => ({ out, err }) };
}

const node = (script = 'scripts/serve.ts') => ['--require', 'esbuild-register', script];
const URL_LINE = /(http:\/\/127\.0\.0\.1:(\d+)\/test\/hello)/;

/** Whether something accepts connections on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('connect', () => socket.destroy() && resolve(true));
    socket.on('error', () => resolve(false));
  });
}

async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

/** A copy of the project with its scripts, for runs that change lambda-src/ or the environments. */
function projectWithScripts(): string {
  const dir = checkout();
  fs.cpSync(path.join(PROJECT_ROOT, 'scripts'), path.join(dir, 'scripts'), { recursive: true });
  return dir;
}

describe('npm start', () => {
  it('says which URL to open, answers on it, and stops cleanly on Ctrl-C', async () => {
    const child = spawn('node', ['--require', 'esbuild-register', 'scripts/serve.ts'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, PORT: '0', ENVIRONMENT: 'dev', GREETING: 'Bonjour' },
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += chunk;
        const match = /(http:\/\/127\.0\.0\.1:\d+\/test\/hello)/.exec(out);
        if (match) resolve(match[1]);
      });
      child.on('exit', (code) => reject(new Error(`server exited early with ${code}: ${out}`)));
    });
    const reply = await request(url, '');
    expect(`${reply.status} ${reply.body}`).toBe('200 Bonjour world');
    const exitCode = await new Promise((resolve) => {
      child.removeAllListeners('exit');
      child.on('exit', resolve);
      child.kill('SIGINT');
    });
    expect(exitCode).toBe(0);
  });

  it('stops and frees its port on SIGTERM to node', async () => {
    const server = startServer('node', node(), {});
    const port = Number((await server.printed(URL_LINE))[2]);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(await listening(port)).toBe(false);
  });

  it('stops and frees its port when npm, not node, gets SIGTERM (npm start &, then kill %1)', async () => {
    const server = startServer('npm', ['start', '--silent'], {});
    const port = Number((await server.printed(URL_LINE))[2]);
    server.child.kill('SIGTERM'); // npm only: the node server below it is not signalled
    await server.exited;
    expect(await until(async () => !(await listening(port)), 5000)).toBe(true);
  });

  it('says in one line that the port is in use, with no stack trace', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const server = startServer('node', node(), { PORT: String(port) });
      expect(await server.exited).toBe(1);
      expect(server.output().err).toBe(
        `serve: port ${port} on 127.0.0.1 is in use (another npm start?); stop that, or choose a port with PORT=${port + 1} npm start\n`,
      );
    } finally {
      blocker.close();
    }
  });

  it("serves the premium tier's memory, throttling and greeting with --tier premium", async () => {
    const server = startServer('node', [...node(), '--tier', 'premium'], { GREETING: '' });
    const [line] = await server.printed(/^Serving .*$/m);
    expect(line).toMatch(/^Serving the dev greeting function, premium tier \(512 MB, 200 requests\/s, burst 400, GREETING=\) on http/);
    server.child.kill('SIGINT');
    await server.exited;
  });

  it('fails on an unknown tier, naming it and the choices', async () => {
    const server = startServer('node', [...node(), '--tier', 'gold'], {});
    expect(await server.exited).toBe(1);
    expect(server.output().err).toBe('serve: --tier gold: not a tier; use standard or premium\n');
  });

  it('requires the API key where the tier does, printing it at start', async () => {
    const dir = projectWithScripts();
    const file = path.join(dir, 'environments', 'dev.json');
    const config = JSON.parse(fs.readFileSync(file, 'utf8'));
    config.tiers = { premium: { apiKeyRequired: true } };
    fs.writeFileSync(file, JSON.stringify(config));
    const server = startServer('node', [...node(), '--tier', 'premium'], {}, dir);
    const [, url] = await server.printed(URL_LINE);
    const [, key] = await server.printed(/send x-api-key: ([0-9a-f]{40})/);
    try {
      expect((await request(url, '')).status).toBe(403);
      expect((await request(url, '', 'GET', undefined, { 'x-api-key': key })).body).toBe('Hello world');
    } finally {
      server.child.kill('SIGINT');
      await server.exited;
    }
  });

  it('with --watch, serves a change to lambda-src/ from the next request on, without a restart', async () => {
    const dir = projectWithScripts();
    const server = startServer('node', [...node(), '--watch'], {}, dir);
    const [, url] = await server.printed(URL_LINE);
    try {
      expect((await request(url, '')).body).toBe('Hello world');
      const handler = path.join(dir, 'lambda-src', 'index.ts');
      fs.writeFileSync(handler, fs.readFileSync(handler, 'utf8').replace("DEFAULT_NAME = 'world'", "DEFAULT_NAME = 'there'"));
      await server.printed(/lambda-src\/ changed: the next request runs the new code/);
      expect((await request(url, '')).body).toBe('Hello there');
    } finally {
      server.child.kill('SIGINT');
      await server.exited;
    }
  });
});
