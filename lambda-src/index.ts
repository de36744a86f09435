/**
 * The walkthrough's "Hello World" function, answering both ways it is called:
 * directly (`aws lambda invoke --payload '{"name": "David"}'` → `"Hello David"`) and
 * through an API Gateway REST proxy integration (payload format 1.0) →
 * `{ statusCode, headers, body }`.
 *
 * It imports nothing but types and its own settings, so the bundle has no runtime dependencies.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { DEFAULT_GREETING, GREETING_VARIABLE } from './settings';

/** The payload of a direct invocation, as in the walkthrough's `helloevent.json`. */
export interface DirectEvent {
  readonly name?: unknown;
}

export const MAX_NAME_LENGTH = 64;
export const ALLOWED_METHODS = ['GET', 'HEAD', 'POST'] as const;
const DEFAULT_NAME = 'world';
// C0 controls, DEL and C1 controls: none of them belong in a greeting or a log line.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
const TEXT_HEADERS = {
  'content-type': 'text/plain; charset=utf-8',
  'x-content-type-options': 'nosniff',
};
const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'x-content-type-options': 'nosniff',
};

/** A problem with the caller's input: a 400 through the API, an error for a direct call. */
export class BadRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadRequestError';
  }
}

function greetingWord(): string {
  return process.env[GREETING_VARIABLE] || DEFAULT_GREETING;
}

/** The JSON type of a value, as a person reads it: `array` and `null` are not `object`. */
function jsonType(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/** Characters as a person counts them: code points, so an emoji is one. */
function characterCount(text: string): number {
  return [...text].length;
}

/** Checks a caller-supplied name; `undefined` and `''` mean "no name given". */
function checkedName(value: unknown, source: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') {
    throw new BadRequestError(`${source} must be a string, got ${jsonType(value)}`);
  }
  if (characterCount(value) > MAX_NAME_LENGTH) {
    throw new BadRequestError(
      `${source} is ${characterCount(value)} characters long; use at most ${MAX_NAME_LENGTH}`,
    );
  }
  if (CONTROL_CHARACTERS.test(value)) {
    throw new BadRequestError(`${source} contains control characters; send printable text only`);
  }
  return value;
}

function isProxyEvent(event: unknown): event is APIGatewayProxyEvent {
  return (
    typeof event === 'object' &&
    event !== null &&
    typeof (event as APIGatewayProxyEvent).httpMethod === 'string' &&
    typeof (event as APIGatewayProxyEvent).requestContext === 'object'
  );
}

/**
 * What is wrong with the shape of a proxy event's fields the handler reads, if anything: API
 * Gateway always sends strings and string maps there, so anything else is a malformed event
 * (a hand-made test event, another integration), answered 400 rather than failing.
 */
function malformedField(event: APIGatewayProxyEvent): string | undefined {
  const stringMap = (value: unknown) => value === null || value === undefined || (jsonType(value) === 'object' && Object.values(value as object).every((inner) => typeof inner === 'string'));
  if (!stringMap(event.queryStringParameters)) return 'queryStringParameters must be null or a map of strings';
  if (!stringMap(event.pathParameters)) return 'pathParameters must be null or a map of strings';
  if (event.body !== null && event.body !== undefined && typeof event.body !== 'string') return `body must be a string or null, got ${jsonType(event.body)}`;
  return undefined;
}

function nameFromBody(event: APIGatewayProxyEvent): string | undefined {
  if (!event.body) return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadRequestError('body is not valid JSON; send {"name": "<your name>"}');
  }
  if (jsonType(parsed) !== 'object') {
    throw new BadRequestError(`body must be a JSON object such as {"name": "<your name>"}, got ${jsonType(parsed)}`);
  }
  return checkedName((parsed as DirectEvent).name, 'body field "name"');
}

/** `/hello/David` under `{proxy+}`: the route is `hello`, the name the last segment after it. */
function nameFromPath(event: APIGatewayProxyEvent): string | undefined {
  const proxyPath = event.pathParameters?.proxy;
  if (!proxyPath) return undefined;
  const segments = proxyPath.split('/').filter((segment) => segment !== '');
  if (segments.length < 2) return undefined;
  let segment: string;
  try {
    segment = decodeURIComponent(segments[segments.length - 1]);
  } catch {
    throw new BadRequestError('path segment is not valid percent-encoding');
  }
  return checkedName(segment, 'path segment');
}

function routeOf(event: APIGatewayProxyEvent): string {
  return event.resource || event.path || '/';
}

function jsonReply(statusCode: number, message: string, extraHeaders: Record<string, string> = {}) {
  return {
    statusCode,
    headers: { ...JSON_HEADERS, ...extraHeaders },
    body: JSON.stringify({ message }),
  };
}

function log(fields: Record<string, unknown>): void {
  // One JSON line per invocation; CloudWatch keeps stdout. Names are logged by length only.
  console.log(JSON.stringify(fields));
}

function answerProxy(event: APIGatewayProxyEvent, requestId: string): APIGatewayProxyResult {
  const method = event.httpMethod.toUpperCase();
  const route = routeOf(event);
  if (!(ALLOWED_METHODS as readonly string[]).includes(method)) {
    log({ requestId, kind: 'rest', method, route, status: 405 });
    return jsonReply(405, `method ${method} is not allowed; use ${ALLOWED_METHODS.join(', ')}`, {
      allow: ALLOWED_METHODS.join(', '),
    });
  }
  try {
    const malformed = malformedField(event);
    if (malformed) throw new BadRequestError(`malformed proxy event: ${malformed}`);
    const name =
      checkedName(event.queryStringParameters?.name, 'query parameter "name"') ??
      nameFromBody(event) ??
      nameFromPath(event) ??
      DEFAULT_NAME;
    log({ requestId, kind: 'rest', method, route, status: 200, nameLength: characterCount(name) });
    return {
      statusCode: 200,
      headers: TEXT_HEADERS,
      body: method === 'HEAD' ? '' : `${greetingWord()} ${name}`,
    };
  } catch (error) {
    if (!(error instanceof BadRequestError)) throw error;
    log({ requestId, kind: 'rest', method, route, status: 400, error: error.message });
    return jsonReply(400, error.message);
  }
}

function answerDirect(event: unknown, requestId: string): string {
  try {
    // No payload at all is the walkthrough's first call; anything sent must be an object (not null).
    if (event !== undefined && jsonType(event) !== 'object') {
      throw new BadRequestError(`the payload must be a JSON object such as {"name": "David"}, got ${jsonType(event)}`);
    }
    const name = checkedName((event as DirectEvent | undefined)?.name, 'name') ?? DEFAULT_NAME;
    log({ requestId, kind: 'direct', nameLength: characterCount(name) });
    return `${greetingWord()} ${name}`;
  } catch (error) {
    if (error instanceof BadRequestError) {
      log({ requestId, kind: 'direct', error: error.message });
    }
    throw error;
  }
}

/** The Lambda entry point, `index.helloworld` as in the walkthrough. */
export async function helloworld(
  event: APIGatewayProxyEvent | DirectEvent | null | undefined,
  context?: Pick<Context, 'awsRequestId'>,
): Promise<APIGatewayProxyResult | string> {
  const requestId = context?.awsRequestId ?? 'local';
  return isProxyEvent(event) ? answerProxy(event, requestId) : answerDirect(event, requestId);
}
