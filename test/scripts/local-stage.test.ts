/**
 * The local stage against hostile and heavy input, over real HTTP: every request gets an
 * answer (as API Gateway would give it), the server keeps serving, and the function is
 * stopped at its timeout.
 */
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { PassThrough } from 'stream';
import { AddressInfo } from 'net';
import { createLocalApi, LocalApi, LocalApiOptions } from '../../scripts/local-stage/local-api';
import { TokenBucket } from '../../scripts/local-stage/token-bucket';
import { buildHandlerBundle } from '../../src/bundling/handler-bundle';
import { PROJECT_ROOT } from '../helpers';

const MISBEHAVING = path.join(__dirname, '..', 'fixtures', 'handlers', 'misbehaving.js');

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(base: string, target: string, options: http.RequestOptions & { body?: string | Buffer } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${target}`, { agent: false, ...options }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Sends bytes as they are, for requests no HTTP client would form; resolves with the status line. */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let reply = '';
    socket.on('data', (chunk) => (reply += chunk));
    socket.on('end', () => resolve(reply.split('\r\n')[0]));
    socket.on('close', () => resolve(reply.split('\r\n')[0]));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error(`no answer to ${JSON.stringify(text.slice(0, 60))}`)));
  });
}

const servers: LocalApi[] = [];
const lines: string[] = [];

async function start(options: Partial<LocalApiOptions> = {}): Promise<{ base: string; port: number; server: LocalApi }> {
  const server = createLocalApi({
    stage: 'test',
    handlerFile: buildHandlerBundle(PROJECT_ROOT).file,
    functionOutput: new PassThrough().resume(),
    log: (line) => lines.push(line),
    ...options,
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, port, server };
}

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    }),
  );
  lines.length = 0;
});

const json = (reply: Reply) => [reply.status, JSON.parse(reply.body)];

describe('the local stage under hostile input', () => {
  it('answers an absolute-form target that is not a URL with 400 and keeps serving', async () => {
    const { base, port } = await start();
    expect(await raw(port, 'GET http://[::1/test/hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toBe('HTTP/1.1 400 Bad Request');
    expect((await request(base, '/test/hello?name=David')).body).toBe('Hello David');
  });

  it("refuses a web page's own host name that resolves to 127.0.0.1 (DNS rebinding) with 421, naming it, and keeps serving", async () => {
    const { base, port } = await start();
    expect(json(await request(base, '/test/hello?name=David', { headers: { host: `attacker.example:${port}` } }))).toEqual([
      421,
      { message: `this server answers to 127.0.0.1:${port} (or localhost, [::1]) only, not "attacker.example:${port}"` },
    ]);
    expect((await request(base, '/test/hello?name=David', { headers: { host: `localhost:${port}` } })).body).toBe('Hello David');
    expect((await request(base, '/test/hello?name=David')).body).toBe('Hello David');
  });

  it('answers a request line over 8 KB with 414 and headers over 16 KB with 431, and keeps serving', async () => {
    const { base, port } = await start();
    expect((await request(base, `/test/${'a'.repeat(9000)}`)).status).toBe(414);
    expect(await raw(port, `GET /test/hello HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20000)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431/);
    expect(await raw(port, 'NOT HTTP AT ALL\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    expect((await request(base, '/test/hello')).body).toBe('Hello world');
  });

  it('refuses a body declared over 10 MB with 413 before reading it', async () => {
    const { port } = await start();
    // Only the headers are sent: the answer must come without the 11 MB that would follow.
    const status = await raw(port, `POST /test/hello HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${11 * 1024 * 1024}\r\n\r\n{"na`);
    expect(status).toBe('HTTP/1.1 413 Payload Too Large');
  });

  it('refuses a chunked body that grows past 10 MB with 413 Request Too Long, while it is still coming', async () => {
    const { port } = await start();
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      let answer = '';
      let sent = 0;
      const chunk = Buffer.concat([Buffer.from(`100000\r\n`), Buffer.alloc(0x100000, 'a'), Buffer.from('\r\n')]);
      const pump = () => {
        // Up to 20 MB, one MB a chunk, until the server answers.
        while (!answer && sent < 20 && socket.write(chunk)) sent++;
        if (!answer && sent < 20) socket.once('drain', pump);
      };
      socket.on('connect', () => {
        socket.write(`POST /test/hello HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n`);
        pump();
      });
      socket.on('data', (data) => {
        answer += data;
        if (/\r\n\r\n.*\}/s.test(answer)) {
          socket.destroy();
          resolve(`${sent} ${answer.split('\r\n')[0]} ${/\{[^}]*\}/.exec(answer)![0]}`);
        }
      });
      socket.on('error', (error) => !answer && reject(error));
    });
    const [sent, ...status] = reply.split(' ');
    expect(status.join(' ')).toBe('HTTP/1.1 413 Payload Too Large {"message":"Request Too Long"}');
    expect(Number(sent)).toBeLessThan(20);
  });

  it("answers an event over Lambda's 6 MB synchronous limit as a failed integration (502), saying why", async () => {
    const { base } = await start();
    const body = JSON.stringify({ name: 'x'.repeat(7 * 1024 * 1024) });
    const reply = await request(base, '/test/hello', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(json(reply)).toEqual([502, { message: 'Internal server error' }]);
    expect(lines.join('\n')).toMatch(/Lambda refuses synchronous payloads over 6291456 \(RequestEntityTooLargeException\)/);
  });

  it('refuses percent-encoding that does not decode the same way in the query as in the path', async () => {
    const { base } = await start();
    expect(json(await request(base, '/test/hello?name=%ZZ'))).toEqual([400, { message: 'query parameter "name" is not valid percent-encoding' }]);
    expect(json(await request(base, '/test/hello/%ZZ'))).toEqual([400, { message: 'path segment is not valid percent-encoding' }]);
    expect((await request(base, '/test/hello?name=Jos%C3%A9')).body).toBe('Hello José');
    expect((await request(base, '/test/hello/Jos%C3%A9')).body).toBe('Hello José');
  });
});

describe('the local stage and the function', () => {
  it('stops a function stuck past its timeout, answers 502, and serves the next request', async () => {
    const { base } = await start({ handlerFile: MISBEHAVING, timeoutSeconds: 1 });
    const started = Date.now();
    expect(json(await request(base, '/test/loop'))).toEqual([502, { message: 'Internal server error' }]);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(lines).toContain('502: Task timed out after 1.00 seconds');
    expect((await request(base, '/test/fine')).body).toBe('ok /fine');
  });

  it("answers 504 Endpoint request timed out when the function outlasts API Gateway's integration timeout", async () => {
    const { base } = await start({ handlerFile: MISBEHAVING, timeoutSeconds: 5, integrationTimeoutSeconds: 0.5 });
    expect(json(await request(base, '/test/sleep/2000'))).toEqual([504, { message: 'Endpoint request timed out' }]);
  });

  it('answers 502 when the function throws or replies without a status code', async () => {
    const { base } = await start({ handlerFile: MISBEHAVING });
    expect(json(await request(base, '/test/throw'))).toEqual([502, { message: 'Internal server error' }]);
    expect(json(await request(base, '/test/shape'))).toEqual([502, { message: 'Internal server error' }]);
    expect(lines).toContain('502: TypeError: broken on purpose');
  });

  it('serves new code from the next request on after a reload, without a restart', async () => {
    const { base, server } = await start();
    expect((await request(base, '/test/hello')).body).toBe('Hello world');
    server.reload(MISBEHAVING);
    expect((await request(base, '/test/hello')).body).toBe('ok /hello');
  });

  it('gives the function the environment it is configured with', async () => {
    const { base } = await start({ environment: { GREETING: 'Hej' } });
    expect((await request(base, '/test/hello/David')).body).toBe('Hej David');
  });
});

describe("the tier's throttling and API key", () => {
  it("answers 429 Too Many Requests past a method's burst (half the stage's: API Gateway throttles each method), while the other method still answers, then serves again as the bucket refills", async () => {
    // The bucket's clock stands still but where the test moves it: no answer depends on load.
    let now = 0;
    // The stage's 10 per second, burst 4: each of its two methods 5 per second, burst 2.
    const { base } = await start({ throttle: { rateLimit: 10, burstLimit: 4 }, clock: () => now });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await request(base, '/test/hello')).status);
    expect(statuses).toEqual([200, 200, 429]);
    expect(json(await request(base, '/test/hello'))).toEqual([429, { message: 'Too Many Requests' }]);
    // ANY / has a bucket of its own, still full.
    expect([(await request(base, '/test')).status, (await request(base, '/test/')).status, (await request(base, '/test')).status]).toEqual([200, 200, 429]);
    now += 250; // 5 per second: a token and a quarter
    expect((await request(base, '/test/hello')).status).toBe(200);
    expect((await request(base, '/test/hello')).status).toBe(429);
  });

  it('answers 403 Forbidden without the API key, or with a wrong one, and serves with it', async () => {
    const { base } = await start({ apiKey: 'the-key' });
    expect(json(await request(base, '/test/hello'))).toEqual([403, { message: 'Forbidden' }]);
    expect((await request(base, '/test/hello', { headers: { 'x-api-key': 'guess' } })).status).toBe(403);
    expect((await request(base, '/test/hello', { headers: { 'x-api-key': 'the-key' } })).body).toBe('Hello world');
  });

  it('refills its bucket at the rate, up to the burst', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    now += 100; // one token at 10 per second
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
    now += 10_000; // never more than the burst
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
  });
});
