/**
 * A local stand-in for the deployed API Gateway stage: each request becomes the REST proxy
 * event API Gateway would send, the function runs in a sandbox of its own (function-host.ts),
 * and what API Gateway itself answers (throttling, API keys, payload limits, timeouts) is
 * answered with its status codes and bodies.
 */
import * as http from 'http';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { API_INTEGRATION_TIMEOUT_SECONDS, MAX_SYNC_INVOKE_PAYLOAD_BYTES } from '../../src/rules/aws-limits';
import { DEFAULT_TIMEOUT_SECONDS } from '../../src/rules/defaults';
import { FunctionHost, FunctionHostOptions } from './function-host';
import { hostAllowed } from '../lib/loopback-host';
import { PROXY_API_METHODS } from '../../src/constructs/proxy-api';
import { throttleShare } from '../../src/rules/aws-limits';
import { TokenBucket } from './token-bucket';
import { BadTargetError, GATEWAY_RESPONSES, buildProxyEvent, discard, gatewayAnswer, integrationAnswer, receiveBody, splitTarget } from './proxy-integration';

/** Longer request targets get 414, as API Gateway answers URLs over 8 KB. */
const MAX_URL_LENGTH = 8192;

export { BadTargetError, GATEWAY_RESPONSES };

export interface LocalApiOptions {
  /** The stage API Gateway serves the API under: the URL's first path segment. */
  readonly stage: string;
  /** The bundled handler file. */
  readonly handlerFile: string;
  /**
   * The function's timeout, as configured for it: past it the function is stopped and the
   * caller gets API Gateway's 502.
   * @default DEFAULT_TIMEOUT_SECONDS
   */
  readonly timeoutSeconds?: number;
  /**
   * The function's memory, MB: its heap is capped at it (see {@link FunctionHostOptions.memoryMb}).
   * @default no cap beyond Node's own
   */
  readonly memoryMb?: number;
  /**
   * Environment variables of the function (GREETING, ...).
   * @default none beyond this process's own
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * The stage's whole throttling budget, shared by its two methods as ProxyApi shares it: a
   * bucket per method (`ANY /`, `ANY /{proxy+}`) with half each, as API Gateway throttles each
   * method of a stage on its own; past a method's, API Gateway answers 429.
   * @default no throttling
   */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
  /**
   * The throttling's clock, in ms (tests set one, so no answer depends on the machine's speed).
   * @default performance.now
   */
  readonly clock?: () => number;
  /**
   * The API key callers must send as `x-api-key`; without it API Gateway answers 403.
   * @default no key required
   */
  readonly apiKey?: string;
  /**
   * How long API Gateway waits for the function before it answers 504.
   * @default API_INTEGRATION_TIMEOUT_SECONDS (29)
   */
  readonly integrationTimeoutSeconds?: number;
  /**
   * Where the stage says why it answered 5XX (the function's error, a timeout).
   * @default process.stderr
   */
  readonly log?: (line: string) => void;
  /**
   * Where the function's own log lines go.
   * @default process.stdout
   */
  readonly functionOutput?: NodeJS.WritableStream;
}

/** The local stage's server; `reload` serves new handler code from the next request on. */
export interface LocalApi extends http.Server {
  reload(handlerFile: string): void;
}


/** The REST API proxy event (payload format 1.0) API Gateway sends for this request, or undefined outside the stage. */
export function toProxyEvent(
  request: { method: string; url: string; headers: http.IncomingHttpHeaders; body: Buffer },
  stage: string,
): APIGatewayProxyEvent | undefined {
  const { path: pathname, search } = splitTarget(request.url);
  const prefix = `/${stage}`;
  if (pathname !== prefix && !pathname.startsWith(`${prefix}/`)) return undefined;
  const apiPath = pathname.slice(prefix.length) || '/';
  // The local stage has two resources, as the deployed API: the root and {proxy+} below it.
  const proxy = apiPath.replace(/^\/+/, '');
  return buildProxyEvent(
    { method: request.method, target: `${apiPath}${search}`, headers: request.headers, body: request.body },
    { stage, resource: proxy === '' ? '/' : '/{proxy+}', pathParameters: proxy === '' ? null : { proxy } },
  );
}

/** An HTTP server that answers like the deployed API Gateway stage would. */
export function createLocalApi(options: LocalApiOptions): LocalApi {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const host = new FunctionHost({
    handlerFile: options.handlerFile,
    exportName: 'helloworld',
    environment: options.environment,
    timeoutSeconds: options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
    memoryMb: options.memoryMb,
    output: options.functionOutput,
  });
  // One bucket per method, each with its share (PROXY_API_METHODS: the root, and {proxy+}).
  const share = options.throttle && throttleShare(options.throttle, PROXY_API_METHODS.length);
  const buckets = share && { root: new TokenBucket(share.rateLimit, share.burstLimit, options.clock), proxy: new TokenBucket(share.rateLimit, share.burstLimit, options.clock) };
  const integrationTimeoutMs = (options.integrationTimeoutSeconds ?? API_INTEGRATION_TIMEOUT_SECONDS) * 1000;
  const functionTimeoutMs = (options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const refuse = (answer: readonly [number, string]) => {
      gatewayAnswer(res, answer);
      discard(req);
    };
    if (url.length > MAX_URL_LENGTH) return refuse(GATEWAY_RESPONSES.uriTooLong);
    let pathname: string;
    try {
      pathname = new URL(url, 'http://localhost').pathname;
    } catch {
      return refuse(GATEWAY_RESPONSES.badRequest);
    }
    // A web page's name that resolves to 127.0.0.1 (DNS rebinding) would let it read the answers.
    const address = server.address();
    if (address && typeof address === 'object' && !hostAllowed(req.headers.host, address.port)) {
      return refuse([421, `this server answers to 127.0.0.1:${address.port} (or localhost, [::1]) only, not ${JSON.stringify(req.headers.host ?? '')}`] as const);
    }
    if (pathname !== `/${options.stage}` && !pathname.startsWith(`/${options.stage}/`)) return refuse(GATEWAY_RESPONSES.missingToken);
    if (options.apiKey !== undefined && req.headers['x-api-key'] !== options.apiKey) return refuse(GATEWAY_RESPONSES.forbidden);
    // `/<stage>` and `/<stage>/` are the root's method; anything below, {proxy+}'s.
    const method = pathname.replace(/\/+$/, '') === `/${options.stage}` ? 'root' : 'proxy';
    if (buckets && !buckets[method].take()) return refuse(GATEWAY_RESPONSES.throttled);
    receiveBody(req, res, (body) => {
      answer(req, res, body).catch((error: Error) => {
        log(`502: ${error.message}`);
        gatewayAnswer(res, GATEWAY_RESPONSES.integrationFailure);
      });
    });
  }) as LocalApi;

  async function answer(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    let event: APIGatewayProxyEvent;
    try {
      event = toProxyEvent({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body }, options.stage)!;
    } catch (error) {
      if (!(error instanceof BadTargetError)) throw error;
      return gatewayAnswer(res, [400, error.message]);
    }
    // Only a large body can take the event past Lambda's limit (headers and URL are capped).
    const eventBytes = body.length > MAX_SYNC_INVOKE_PAYLOAD_BYTES / 2 ? Buffer.byteLength(JSON.stringify(event)) : 0;
    if (eventBytes > MAX_SYNC_INVOKE_PAYLOAD_BYTES) {
      log(`502: the event is ${eventBytes} bytes; Lambda refuses synchronous payloads over ${MAX_SYNC_INVOKE_PAYLOAD_BYTES} (RequestEntityTooLargeException)`);
      return gatewayAnswer(res, GATEWAY_RESPONSES.integrationFailure);
    }
    let timer: NodeJS.Timeout | undefined;
    const invoked = host.invoke(event, event.requestContext.requestId);
    // The function's own timeout ends it first unless it is the longer of the two.
    const invocation =
      functionTimeoutMs < integrationTimeoutMs
        ? await invoked
        : await Promise.race([invoked, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), integrationTimeoutMs)))]);
    clearTimeout(timer);
    if (invocation === 'timeout') {
      log(`504: no answer from the function within API Gateway's ${integrationTimeoutMs / 1000} s`);
      return gatewayAnswer(res, GATEWAY_RESPONSES.integrationTimeout);
    }
    if (invocation.outcome !== 'result') {
      log(`502: ${invocation.outcome === 'timeout' ? invocation.errorMessage : `${invocation.errorType}: ${invocation.errorMessage}`}`);
      return gatewayAnswer(res, GATEWAY_RESPONSES.integrationFailure);
    }
    const answered = integrationAnswer(invocation.result);
    if ('malformed' in answered) {
      log(`502: malformed Lambda proxy response: ${answered.malformed}`);
      return gatewayAnswer(res, GATEWAY_RESPONSES.integrationFailure);
    }
    res.writeHead(answered.statusCode, answered.headers);
    res.end(req.method === 'HEAD' ? '' : answered.body);
  }

  server.reload = (handlerFile: string) => host.reload(handlerFile);
  server.on('close', () => void host.close());
  return server;
}
