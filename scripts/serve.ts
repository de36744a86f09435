/**
 * `npm start`: serves the bundled handler on http://127.0.0.1:$PORT (default 3000), turning
 * each request into the REST API proxy event API Gateway would send for the configured
 * stage, so `curl 'http://127.0.0.1:3000/test/hello?name=David'` answers `Hello David`.
 */
import { randomUUID } from 'crypto';
import * as http from 'http';
import * as path from 'path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as lambdaLocal from 'lambda-local';
import { GREETING_VARIABLE } from '../lambda-src/settings';
import { buildHandlerBundle } from '../src/bundling/handler-bundle';
import { DEFAULT_ENVIRONMENT, ENVIRONMENT_VARIABLE, loadEnvironment } from '../src/config/load-environment';
import { DEFAULT_TIMEOUT_SECONDS } from '../src/rules/defaults';

const PROJECT_ROOT = path.resolve(__dirname, '..');
const TEXT_BODY = /^(text\/|application\/(json|x-www-form-urlencoded|xml))/;

export interface LocalApiOptions {
  /** The stage API Gateway serves the API under: the URL's first path segment. */
  readonly stage: string;
  /** The bundled handler file. */
  readonly handlerFile: string;
  /**
   * The function's timeout, as configured for it.
   * @default DEFAULT_TIMEOUT_SECONDS
   */
  readonly timeoutSeconds?: number;
}

/** The REST API proxy event (payload format 1.0) API Gateway sends for this request. */
export function toProxyEvent(
  request: { method: string; url: string; headers: http.IncomingHttpHeaders; body: Buffer },
  stage: string,
): APIGatewayProxyEvent | undefined {
  const url = new URL(request.url, 'http://localhost');
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
  for (const [name, value] of url.searchParams) {
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

/** An HTTP server that answers like the deployed API Gateway stage would. */
export function createLocalApi(options: LocalApiOptions): http.Server {
  const handler = require(options.handlerFile);
  return http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const event = toProxyEvent(
        { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) },
        options.stage,
      );
      if (!event) {
        send(res, 404, { 'content-type': 'application/json' }, JSON.stringify({ message: `Not Found: this API serves /${options.stage}/` }));
        return;
      }
      try {
        const result = (await lambdaLocal.execute({
          event,
          lambdaFunc: handler,
          lambdaHandler: 'helloworld',
          timeoutMs: (options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
          verboseLevel: -1,
        })) as APIGatewayProxyResult;
        if (typeof result?.statusCode !== 'number') throw new Error('the function did not return {statusCode, headers, body}');
        const body = result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
        send(res, result.statusCode, (result.headers ?? {}) as http.OutgoingHttpHeaders, req.method === 'HEAD' ? '' : body);
      } catch {
        // What API Gateway answers when the integration fails or replies in the wrong shape.
        send(res, 502, { 'content-type': 'application/json' }, JSON.stringify({ message: 'Internal server error' }));
      }
    });
  });
}

function send(res: http.ServerResponse, status: number, headers: http.OutgoingHttpHeaders, body: string | Buffer): void {
  res.writeHead(status, headers);
  res.end(body);
}

function main(): void {
  const port = Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve: PORT=${JSON.stringify(process.env.PORT)} is not a port; use a whole number from 0 to 65535, such as 3000`);
    process.exit(2);
  }
  const environmentName = process.env[ENVIRONMENT_VARIABLE] || DEFAULT_ENVIRONMENT;
  const environment = loadEnvironment(environmentName, path.join(PROJECT_ROOT, 'environments'));
  // As deployed: the environment's greeting, unless GREETING is set for this run.
  process.env[GREETING_VARIABLE] ??= environment.greeting;
  const server = createLocalApi({
    stage: environment.stageName,
    handlerFile: buildHandlerBundle(PROJECT_ROOT).file,
    timeoutSeconds: environment.timeoutSeconds,
  });
  server.listen(port, '127.0.0.1', () => {
    const { port: bound } = server.address() as { port: number };
    console.log(
      `Serving the ${environmentName} greeting function (${GREETING_VARIABLE}=${process.env[GREETING_VARIABLE]}) on ` +
        `http://127.0.0.1:${bound}/${environment.stageName}/hello - try ?name=David. Ctrl-C stops.`,
    );
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections(); // keep-alive clients would hold close() open
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    console.error(`serve: ${(error as Error).message}`);
    process.exit(1);
  }
}
