/**
 * What API Gateway does around a Lambda proxy integration (REST API, payload format 1.0),
 * shared by the local stage (`npm start`) and the emulator's REST APIs: the event it builds
 * from a request, how it turns the function's reply into the HTTP answer, and the answers it
 * gives itself.
 */
import { randomUUID } from 'crypto';
import type * as http from 'http';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { MAX_API_PAYLOAD_BYTES, MAX_SYNC_INVOKE_PAYLOAD_BYTES } from '../../src/rules/aws-limits';

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

/** Writes one of API Gateway's own answers, as it does: JSON `{"message": ...}`. */
export function gatewayAnswer(res: http.ServerResponse, [status, message]: readonly [number, string]): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ message }));
}

/**
 * Lets the rest of a refused body drain, unread and unkept, for at most 2 s (closing at once
 * would reset the connection, and the client could lose the answer), then closes it.
 */
export function discard(req: http.IncomingMessage): void {
  req.resume();
  setTimeout(() => req.destroy(), 2000).unref();
}

/**
 * Reads the request's body as API Gateway takes it: past 10 MB (declared or sent) it answers
 * 413 at once and keeps none of it; otherwise `onBody` gets the whole body.
 */
export function receiveBody(req: http.IncomingMessage, res: http.ServerResponse, onBody: (body: Buffer) => void): void {
  if (Number(req.headers['content-length'] ?? 0) > MAX_API_PAYLOAD_BYTES) {
    gatewayAnswer(res, GATEWAY_RESPONSES.tooLarge);
    return discard(req);
  }
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
    if (!res.headersSent) onBody(Buffer.concat(chunks));
  });
}

/** A request target API Gateway would refuse: not a URL, or percent-encoding that does not decode. */
export class BadTargetError extends Error {}

const TEXT_BODY = /^(text\/|application\/(json|x-www-form-urlencoded|xml))/;

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

/** The request as it reached the stage. */
export interface StageRequest {
  readonly method: string;
  /** Path below the stage (`/hello/David`, `/` for the root) and query, as sent. */
  readonly target: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Where API Gateway routed the request: the resource it matched and what it knows of itself. */
export interface MatchedRoute {
  readonly stage: string;
  /** The resource's path template, such as `/` or `/{proxy+}`. */
  readonly resource: string;
  /** Values of the template's `{param}` and `{proxy+}` parts; null when it has none. */
  readonly pathParameters: Readonly<Record<string, string>> | null;
  readonly stageVariables?: Readonly<Record<string, string>> | null;
  /** @default 'local' */
  readonly apiId?: string;
  /** @default 'local' */
  readonly resourceId?: string;
  /** @default '123456789012' */
  readonly accountId?: string;
  /** @default '127.0.0.1' */
  readonly sourceIp?: string;
}

/** Splits a stage-relative target into its decoded path and its query, refusing what API Gateway refuses. */
export function splitTarget(target: string): { path: string; search: string } {
  let url: URL;
  try {
    url = new URL(target, 'http://localhost');
  } catch {
    throw new BadTargetError('the request target is not a URL');
  }
  return { path: url.pathname, search: url.search };
}

/** The REST proxy event (payload format 1.0) API Gateway sends for this request and route. */
export function buildProxyEvent(request: StageRequest, route: MatchedRoute): APIGatewayProxyEvent {
  const { path: apiPath, search } = splitTarget(request.target);
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
  for (const [name, value] of parseQuery(search)) {
    query[name] = value;
    (multiQuery[name] ??= []).push(value);
  }
  const hasQuery = Object.keys(query).length > 0;
  const isText = TEXT_BODY.test(headers['content-type'] ?? 'text/plain');
  const hasBody = request.body.length > 0;
  return {
    resource: route.resource,
    path: apiPath,
    httpMethod: request.method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: route.pathParameters,
    stageVariables: route.stageVariables && Object.keys(route.stageVariables).length ? route.stageVariables : null,
    body: hasBody ? request.body.toString(isText ? 'utf8' : 'base64') : null,
    isBase64Encoded: hasBody && !isText,
    requestContext: {
      accountId: route.accountId ?? '123456789012',
      apiId: route.apiId ?? 'local',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: request.method,
      identity: { sourceIp: route.sourceIp ?? '127.0.0.1', userAgent: headers['user-agent'] ?? null } as never,
      path: `/${route.stage}${apiPath === '/' ? '/' : apiPath}`,
      stage: route.stage,
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: route.resourceId ?? 'local',
      resourcePath: route.resource,
    },
  };
}

/** The HTTP answer API Gateway makes of a proxy function's reply. */
export interface IntegrationAnswer {
  readonly statusCode: number;
  readonly headers: http.OutgoingHttpHeaders;
  readonly body: string | Buffer;
}

/**
 * Maps the function's reply (`statusCode`, `headers`, `multiValueHeaders`, `body`,
 * `isBase64Encoded`) to the answer, or returns why API Gateway would answer 502 instead: a
 * reply that is not of that shape, or is over Lambda's 6 MB.
 */
export function integrationAnswer(reply: unknown): IntegrationAnswer | { readonly malformed: string } {
  const result = reply as Record<string, unknown> | null;
  if (!result || typeof result !== 'object' || Array.isArray(result)) return { malformed: 'the function did not return an object' };
  const statusCode = result.statusCode;
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    return { malformed: 'the function did not return a statusCode from 100 to 599' };
  }
  const allowed = ['statusCode', 'headers', 'multiValueHeaders', 'body', 'isBase64Encoded'];
  const unknown = Object.keys(result).filter((key) => !allowed.includes(key));
  if (unknown.length) return { malformed: `the reply has fields API Gateway does not know: ${unknown.join(', ')}` };
  const body = result.body ?? '';
  if (typeof body !== 'string') return { malformed: 'the body is not a string' };
  if (body.length > MAX_SYNC_INVOKE_PAYLOAD_BYTES / 4 && Buffer.byteLength(JSON.stringify(result)) > MAX_SYNC_INVOKE_PAYLOAD_BYTES) {
    return { malformed: `the reply is over Lambda's ${MAX_SYNC_INVOKE_PAYLOAD_BYTES} bytes` };
  }
  const headers: Record<string, string | string[]> = {};
  for (const [source, many] of [
    [result.headers, false],
    [result.multiValueHeaders, true],
  ] as const) {
    if (source === undefined || source === null) continue;
    if (typeof source !== 'object' || Array.isArray(source)) return { malformed: `${many ? 'multiValueHeaders' : 'headers'} is not an object` };
    for (const [name, value] of Object.entries(source)) {
      const values = many ? value : [value];
      if (!Array.isArray(values) || values.some((item) => typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean')) {
        return { malformed: `header ${JSON.stringify(name)} is not ${many ? 'a list of strings' : 'a string'}` };
      }
      // A header in both takes the values of both, headers' first, as API Gateway merges them.
      const key = name.toLowerCase();
      const merged = [...(headers[key] === undefined ? [] : ([] as string[]).concat(headers[key])), ...values.map(String)];
      headers[key] = merged.length === 1 ? merged[0] : merged;
    }
  }
  return { statusCode, headers, body: result.isBase64Encoded === true ? Buffer.from(body, 'base64') : body };
}
