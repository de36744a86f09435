/**
 * The local AWS: one port on 127.0.0.1 where every emulated service answers. moto (patched,
 * moto_server.py) serves the AWS APIs on a private port behind it; this front runs what moto
 * cannot without Docker: Lambda `Invoke` (lambda-service.ts) and requests to REST API stages
 * (rest-api-gateway.ts). Everything else is passed to moto as it came.
 *
 *   node --require esbuild-register scripts/emulator/server.ts [--port N]
 * prints `listening on <port>` and runs until SIGTERM/SIGINT or until its stdin closes (the
 * process that started it is gone); it stops its children (moto, function environments) first.
 */
import { ChildProcess, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { listeningPort } from './emulator-settings';
import { frontRefusal } from './front-guard';
import { MAX_SYNC_INVOKE_PAYLOAD_BYTES } from '../../src/rules/aws-limits';

/**
 * The largest body the front passes to moto: a function's zip uploaded in the call (50 MB zipped,
 * Lambda Developer Guide, "Lambda quotas", base64 in JSON: about 67 MB) with room for the rest.
 * Larger S3 uploads than that are refused here; the stacks' state objects are far smaller.
 */
const MAX_API_CALL_BYTES = 70 * 1024 * 1024;
import { LambdaService } from './lambda-service';
import { RestApiGateway } from './rest-api-gateway';

const MOTO_SERVER = path.join(__dirname, 'moto_server.py');
// The SDK (writing function logs) would warn on every start that it wants Node.js 22 from 2027.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface EmulatorServer {
  readonly port: number;
  readonly endpoint: string;
  /** Stops the front, every function environment and moto. */
  close(): Promise<void>;
}

/**
 * The header with which the front reaches moto: moto answers no request without it
 * (moto_server.py), so its private port serves this front only, not a web page or another
 * process that finds the port.
 */
export const FRONT_SECRET_HEADER = 'x-emulator-front-secret';

/** Starts moto on a private port, resolving its endpoint once it listens. */
async function startMoto(log: (line: string) => void, secret: string): Promise<{ endpoint: string; child: ChildProcess }> {
  const child = spawn('python3', [MOTO_SERVER], {
    // AWS managed policies (AWSLambdaBasicExecutionRole, ...) exist only when moto loads them.
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true', EMULATOR_FRONT_SECRET: secret },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  let partial = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    // moto's request lines are noise; its tracebacks are not.
    for (const line of lines) if (line && !/"(GET|POST|PUT|DELETE|HEAD|PATCH|OPTIONS) \S* HTTP\/1\.[01]" \d{3} /.test(line)) log(`moto: ${line}`);
  });
  const port = await listeningPort(child, 'moto', { timeoutMs: 30_000, stop: () => void child.kill('SIGKILL'), stderrTail: () => stderr });
  return { endpoint: `http://127.0.0.1:${port}`, child };
}

/** The region a request is signed for (SigV4's credential scope), as AWS routes it. */
/** The access key and region a request is signed with (SigV4's credential scope); us-east-1 unsigned. */
function signingScope(req: http.IncomingMessage): { accessKeyId?: string; region: string } {
  const [, accessKeyId, region] = /Credential=([^/,\s]+)\/\d{8}\/([a-z0-9-]+)\//.exec(String(req.headers.authorization ?? '')) ?? [];
  return { accessKeyId, region: region ?? 'us-east-1' };
}

const USER_REQUEST = /^\/restapis\/([^/?]+)\/([^/?]+)\/_user_request_(\/[^?]*)?(\?.*)?$/;
const INVOKE = /^\/2015-03-31\/functions\/([^/?]+)\/invocations(\?.*)?$/;
const EXECUTE_API_HOST = /^([a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(:\d+)?$/;

export async function startEmulatorServer(options: { port?: number; log?: (line: string) => void } = {}): Promise<EmulatorServer> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  // Per process: whoever could read it could already read this process's memory.
  const secret = randomBytes(32).toString('hex');
  const motoHeaders = { [FRONT_SECRET_HEADER]: secret };
  const moto = await startMoto(log, secret);
  const motoUrl = new URL(moto.endpoint);
  const lambda = new LambdaService({ motoEndpoint: moto.endpoint, motoHeaders, log });
  const gateway = new RestApiGateway(moto.endpoint, lambda, log, motoHeaders);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  const answerInvoke = async (req: http.IncomingMessage, res: http.ServerResponse, functionName: string, search: string) => {
    // Lambda refuses a synchronous payload over 6 MB; the body is not read past that.
    const tooLarge = () =>
      res
        .writeHead(413, { 'content-type': 'application/json', 'x-amzn-errortype': 'RequestEntityTooLargeException' })
        .end(JSON.stringify({ Type: 'User', message: `Request must be smaller than ${MAX_SYNC_INVOKE_PAYLOAD_BYTES} bytes for the InvokeFunction operation` }));
    if (Number(req.headers['content-length'] ?? 0) > MAX_SYNC_INVOKE_PAYLOAD_BYTES) {
      tooLarge();
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    for await (const chunk of req) {
      received += (chunk as Buffer).length;
      if (received > MAX_SYNC_INVOKE_PAYLOAD_BYTES) {
        tooLarge();
        req.destroy();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    const params = new URLSearchParams(search);
    const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    const scope = signingScope(req);
    const request = {
      ...scope,
      // Always a caller's key, '' when unsigned (the default account's): a caller never asks as the front does.
      accessKeyId: scope.accessKeyId ?? '',
      functionName: decodeURIComponent(functionName),
      qualifier: params.get('Qualifier') ?? undefined,
      payload: Buffer.concat(chunks),
      logType: String(req.headers['x-amz-log-type'] ?? 'None'),
    };
    if (invocationType === 'Event') {
      // Queued, as Lambda queues it: the caller gets 202 at once.
      void lambda.invoke(request).catch((error: Error) => log(`lambda: event invocation failed: ${error.message}`));
      res.writeHead(202, { 'content-length': '0' }).end();
      return;
    }
    const answer = await lambda.invoke(request);
    res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) });
    res.end(answer.body);
  };

  const proxy = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const tooLarge = () =>
      res
        .writeHead(413, { 'content-type': 'application/json' })
        .end(JSON.stringify({ message: `Request must be smaller than ${MAX_API_CALL_BYTES} bytes: the largest AWS API call these stacks make is a function's zip` }));
    if (Number(req.headers['content-length'] ?? 0) > MAX_API_CALL_BYTES) {
      tooLarge();
      req.resume(); // read and dropped, never held
      return;
    }
    const upstream = http.request(
      { host: motoUrl.hostname, port: motoUrl.port, method: req.method, path: req.url, headers: { ...req.headers, ...motoHeaders }, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`the emulator's moto did not answer: ${error.message}`);
    });
    // Counted as it passes, for a body without content-length (chunked): moto would hold it all.
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received <= MAX_API_CALL_BYTES) return;
      req.unpipe(upstream);
      upstream.destroy();
      if (!res.headersSent) tooLarge();
      req.destroy();
    });
    req.pipe(upstream);
  };

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const failed = (error: Error) => {
      log(`emulator: ${req.method} ${url}: ${error.stack ?? error.message}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `emulator error: ${error.message}` }));
    };
    try {
      const host = String(req.headers.host ?? '');
      const user = USER_REQUEST.exec(url);
      const executeApi = EXECUTE_API_HOST.exec(host);
      // Nobody outside passes the front's secret on, whatever they send.
      delete req.headers[FRONT_SECRET_HEADER];
      const refusal = frontRefusal({ url, headers: req.headers }, (server.address() as AddressInfo).port, Boolean(user || executeApi));
      if (refusal) {
        res.writeHead(refusal.status, { 'content-type': 'application/json' }).end(JSON.stringify({ message: refusal.message }));
        req.resume();
        return;
      }
      if (user) {
        return gateway.handle(req, res, { apiId: user[1], stage: user[2], target: `${user[3] || '/'}${user[4] ?? ''}` });
      }
      if (executeApi) {
        const [, stage = '', rest = '/', query = ''] = /^\/([^/?]*)([^?]*)(\?.*)?$/.exec(url) ?? [];
        return gateway.handle(req, res, { apiId: executeApi[1], stage, target: `${rest || '/'}${query}` });
      }
      const invoke = req.method === 'POST' ? INVOKE.exec(url) : null;
      if (invoke) return void answerInvoke(req, res, invoke[1], invoke[2] ?? '').catch(failed);
      proxy(req, res);
    } catch (error) {
      failed(error as Error);
    }
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  }).catch(async (error: NodeJS.ErrnoException) => {
    moto.child.kill('SIGKILL');
    throw error.code === 'EADDRINUSE' ? new Error(`port ${options.port} on 127.0.0.1 is taken; pick another with --port, or leave it out for a free one`) : error;
  });
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      agent.destroy();
      await lambda.close();
      if (moto.child.exitCode === null && moto.child.signalCode === null) {
        const exited = new Promise((resolve) => moto.child.once('exit', resolve));
        moto.child.kill('SIGTERM');
        await exited;
      }
    })());
  return { port, endpoint: `http://127.0.0.1:${port}`, close };
}

/**
 * Stops on SIGINT, SIGTERM, when its parent is gone (reparented, or with `watchStdin` its
 * stdin closed), and exits once everything it started has ended.
 */
export function stopOnSignals(server: EmulatorServer, say: (line: string) => void, watchStdin: boolean, afterClose: () => void = () => undefined): void {
  let stopping = false;
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    say(`emulator: ${why}: stopping`);
    void server
      .close()
      .then(afterClose)
      .finally(() => process.exit(0));
  };
  // `on`, not `once`: Ctrl-C reaches us twice under npm run (from the terminal, and forwarded by npm),
  // and a second SIGINT with no listener would end the process before it has stopped what it started.
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  if (watchStdin) {
    // The parent holds our stdin open; EOF means it is gone, however it ended.
    process.stdin.on('end', () => stop('its parent is gone')).resume();
  }
  // Reparented: whoever started us is gone (npm killed), so nobody would stop us.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && stop('its parent is gone'), 500).unref();
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const port = args.includes('--port') ? Number(args[args.indexOf('--port') + 1]) : 0;
  const server = await startEmulatorServer({ port });
  stopOnSignals(server, (line) => process.stderr.write(`${line}\n`), true);
  process.stdout.write(`listening on ${server.port}\n`);
}

if (require.main === module) {
  main().catch((error: Error) => {
    process.stderr.write(`emulator: ${error.message}\n`);
    process.exit(1);
  });
}
