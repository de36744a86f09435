import { spawn } from 'child_process';
import * as http from 'http';
import { AddressInfo } from 'net';
import { buildHandlerBundle } from '../../src/bundling/handler-bundle';
import { createLocalApi, toProxyEvent } from '../../scripts/serve';
import { PROJECT_ROOT } from '../helpers';

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

  it('answers paths outside the stage with 404', async () => {
    expect((await request(base, '/prod/hello')).status).toBe(404);
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
});
