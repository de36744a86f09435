/**
 * A local stand-in for the deployed API Gateway stage: each request becomes the REST proxy
 * event API Gateway would send, the function runs in a sandbox of its own (function-host.ts),
 * and what API Gateway itself answers (throttling, API keys, payload limits, timeouts) is
 * answered with its status codes and bodies.
 */
import { randomUUID } from 'crypto';
import * as http from 'http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { API_INTEGRATION_TIMEOUT_SECONDS, MAX_API_PAYLOAD_BYTES, MAX_SYNC_INVOKE_PAYLOAD_BYTES } from '../../src/rules/aws-limits';
import { DEFAULT_TIMEOUT_SECONDS } from '../../src/rules/defaults';
import { FunctionHost } from './function-host';
import { TokenBucket } from './token-bucket';

const TEXT_BODY = /^(text\/|application\/(json|x-www-form-urlencoded|xml))/;
/** Longer request targets get 414, as API Gateway answers URLs over 8 KB. */
const MAX_URL_LENGTH = 8192;

/** API Gateway's own answers (its default gateway responses). */
export const GATEWAY_RESPONSES = {
  badRequest: [400, 'Bad Request'],
  missingToken: [403, 'Missing Authentication Token'],
  forbidden: [403, 'Forbidden'],
  tooLarge: [413, 'Request Too Long'],
  uriTooLong: [414, 'Request-URI Too Long'],
  throttled: [429, 'Too Many Requests'],
  integrationFailure: [502, 'Internal server error'],
  integrationTimeout: [504, 'Endpoint request timed out'],
} as const satisfies Record<string, readonly [number, string]>;

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
   * Environment variables of the function (GREETING, ...).
   * @default none beyond this process's own
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * The stage's throttling; past it API Gateway answers 429.
   * @default no throttling
   */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
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

/** A request target API Gateway would refuse: not a URL, or percent-encoding that does not decode. */
export class BadTargetError extends Error {}

/** Splits a query string as API Gateway does, decoding strictly: `%ZZ` is refused, not passed on. */
function parseQuery(search: string): [string, string][] {
  if (search === '' || search === '?') return [];
  return search
    .slice(1)
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const at = pair.indexOf('=');
      const [name, value] = at < 0 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
      try {
        return [decodeURIComponent(name.replace(/\+/g, ' ')), decodeURIComponent(value.replace(/\+/g, ' '))];
      } catch {
        throw new BadTargetError(`query parameter ${JSON.stringify(name)} is not valid percent-encoding`);
      }
    });
}

/** The REST API proxy event (payload format 1.0) API Gateway sends for this request. */
export function toProxyEvent(
  request: { method: string; url: string; headers: http.IncomingHttpHeaders; body: Buffer },
  stage: string,
): APIGatewayProxyEvent | undefined {
  let url: URL;
  try {
    url = new URL(request.url, 'http://localhost');
  } catch {
    throw new BadTargetError('the request target is not a URL');
  }
  const prefix = `/${stage}`;
  if (url.pathname !== prefix && !url.pathname.startsWith(`${prefix}/`)) return undefined;
  const apiPath = url.pathname.slice(prefix.length) || '/';
  const proxy = apiPath.replace(/^\/+/, '');
  const resource = proxy === '' ? '/' : '/{proxy+}';

  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    headers[name] = values[values.length - 1];
    multiValueHeaders[name] = values;
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [name, value] of parseQuery(url.search)) {
    query[name] = value;
    (multiQuery[name] ??= []).push(value);
  }
  const hasQuery = Object.keys(query).length > 0;
  const isText = TEXT_BODY.test(headers['content-type'] ?? 'text/plain');
  const hasBody = request.body.length > 0;

  return {
    resource,
    path: apiPath,
    httpMethod: request.method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: proxy === '' ? null : { proxy },
    stageVariables: null,
    body: hasBody ? request.body.toString(isText ? 'utf8' : 'base64') : null,
    isBase64Encoded: hasBody && !isText,
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: request.method,
      identity: { sourceIp: '127.0.0.1', userAgent: headers['user-agent'] ?? null } as never,
      path: url.pathname,
      stage,
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: resource,
    },
  };
}

/**
 * Lets the rest of a refused body drain, unread and unkept, for at most 2 s (closing at once
 * would reset the connection, and the client could lose the answer), then closes it.
 */
function discard(req: http.IncomingMessage): void {
  req.resume();
  setTimeout(() => req.destroy(), 2000).unref();
}

function gatewayAnswer(res: http.ServerResponse, [status, message]: readonly [number, string]): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ message }));
}

/** An HTTP server that answers like the deployed API Gateway stage would. */
export function createLocalApi(options: LocalApiOptions): LocalApi {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const host = new FunctionHost({
    handlerFile: options.handlerFile,
    exportName: 'helloworld',
    environment: options.environment,
    timeoutSeconds: options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
    output: options.functionOutput,
  });
  const bucket = options.throttle && new TokenBucket(options.throttle.rateLimit, options.throttle.burstLimit);
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
    if (pathname !== `/${options.stage}` && !pathname.startsWith(`/${options.stage}/`)) return refuse(GATEWAY_RESPONSES.missingToken);
    if (options.apiKey !== undefined && req.headers['x-api-key'] !== options.apiKey) return refuse(GATEWAY_RESPONSES.forbidden);
    if (bucket && !bucket.take()) return refuse(GATEWAY_RESPONSES.throttled);
    if (Number(req.headers['content-length'] ?? 0) > MAX_API_PAYLOAD_BYTES) return refuse(GATEWAY_RESPONSES.tooLarge);

    const chunks: Buffer[] = [];
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > MAX_API_PAYLOAD_BYTES) {
        // A body that grows past the limit: answer now and keep none of it.
        chunks.length = 0;
        gatewayAnswer(res, GATEWAY_RESPONSES.tooLarge);
        req.removeAllListeners('data');
        discard(req);
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => undefined); // a client gone mid-request: nothing to answer
    req.on('end', () => {
      if (res.headersSent) return;
      answer(req, res, Buffer.concat(chunks)).catch((error: Error) => {
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
    const result = invocation.result as APIGatewayProxyResult;
    const large = typeof result?.body === 'string' && result.body.length > MAX_SYNC_INVOKE_PAYLOAD_BYTES / 4;
    if (typeof result?.statusCode !== 'number' || (large && Buffer.byteLength(JSON.stringify(result)) > MAX_SYNC_INVOKE_PAYLOAD_BYTES)) {
      log('502: the function did not return {statusCode, headers, body} of at most 6 MB');
      return gatewayAnswer(res, GATEWAY_RESPONSES.integrationFailure);
    }
    const responseBody = result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
    res.writeHead(result.statusCode, (result.headers ?? {}) as http.OutgoingHttpHeaders);
    res.end(req.method === 'HEAD' ? '' : responseBody);
  }

  server.reload = (handlerFile: string) => host.reload(handlerFile);
  server.on('close', () => void host.close());
  return server;
}
