/**
 * The emulator's REST API stages, which moto 5.2.1 does not serve (no `_user_request_` route,
 * no `{proxy+}` matching, NotImplementedError for AWS_PROXY): a request to
 * `/restapis/<api id>/<stage>/_user_request_/<path>` (LocalStack's scheme) is routed through
 * the API's resources as moto holds them and handed to the Lambda function its AWS_PROXY
 * integration names, with the event and the answers of the local stage (proxy-integration.ts).
 */
import type * as http from 'http';
import { BadTargetError, GATEWAY_RESPONSES, buildProxyEvent, gatewayAnswer, integrationAnswer, receiveBody, splitTarget } from '../local-stage/proxy-integration';
import { LambdaService } from './lambda-service';
import { StageThrottles, type ThrottleLimits } from './stage-throttles';

/** A method's settings, as a stage keeps them (`*\/*` for every method, or `<path with ~1>/<verb>`). */
interface MethodSettings {
  readonly throttlingRateLimit?: number;
  readonly throttlingBurstLimit?: number;
}

/** A stage's routing, as moto keeps it (moto_server.py's `/_emulator/restapis/<id>/stages/<stage>`). */
interface StageSnapshot {
  readonly region: string;
  readonly apiId: string;
  readonly stage: { readonly variables?: Record<string, string>; readonly methodSettings?: Record<string, MethodSettings> };
  readonly resources: readonly {
    readonly id: string;
    readonly path: string;
    readonly methods: Record<string, { apiKeyRequired: boolean; integration: { type: string; uri?: string; timeoutInMillis?: number } | null }>;
  }[];
  readonly apiKeys: readonly string[];
  /** Each key's usage plan throttle, by key value. */
  readonly keyThrottles?: Record<string, ThrottleLimits>;
}

/** The key a method's own settings are kept under in a stage: its path with `/` as `~1`, and its verb. */
export const methodSettingsKey = (resourcePath: string, verb: string) => `${resourcePath.replace(/\//g, '~1')}/${verb}`;

/** API Gateway's default integration timeout. */
const DEFAULT_INTEGRATION_TIMEOUT_MS = 29_000;

/**
 * The resource a path matches, as API Gateway picks it: a literal part beats `{param}`, which
 * beats the greedy `{proxy+}` (which takes one or more parts). Returns the path parameters too.
 */
export function matchResource<R extends { readonly path: string }>(resources: readonly R[], apiPath: string): { resource: R; pathParameters: Record<string, string> | null } | undefined {
  const parts = apiPath.split('/').filter((part) => part !== '');
  let best: { resource: R; pathParameters: Record<string, string>; score: number[] } | undefined;
  for (const resource of resources) {
    const template = resource.path.split('/').filter((part) => part !== '');
    const parameters: Record<string, string> = {};
    const score: number[] = [];
    let matched = true;
    for (let i = 0; i < template.length; i++) {
      const part = template[i];
      const greedy = /^\{(.+)\+\}$/.exec(part);
      if (greedy) {
        if (i !== template.length - 1 || parts.length <= i) matched = false;
        else parameters[greedy[1]] = parts.slice(i).join('/');
        score.push(1);
        break;
      }
      if (i >= parts.length) {
        matched = false;
        break;
      }
      const param = /^\{(.+)\}$/.exec(part);
      if (param) {
        parameters[param[1]] = parts[i];
        score.push(2);
      } else if (part === parts[i]) {
        score.push(3);
      } else {
        matched = false;
        break;
      }
    }
    const greedyLast = /\+\}$/.test(template[template.length - 1] ?? '');
    if (!matched || (!greedyLast && template.length !== parts.length)) continue;
    if (!best || compare(score, best.score) > 0) best = { resource, pathParameters: parameters, score };
  }
  return best && { resource: best.resource, pathParameters: Object.keys(best.pathParameters).length ? best.pathParameters : null };
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  }
  return 0;
}

/** `arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function arn>/invocations` → the function ARN. */
export function lambdaOfIntegration(uri: string | undefined): string | undefined {
  return /^arn:aws[a-z-]*:apigateway:[a-z0-9-]+:lambda:path\/2015-03-31\/functions\/(arn:[^/]+)\/invocations$/.exec(uri ?? '')?.[1];
}

export interface StageRequestTarget {
  readonly apiId: string;
  readonly stage: string;
  /** What follows the stage: `/hello?name=David`. */
  readonly target: string;
}

export class RestApiGateway {
  /** The throttles: each method of each stage, and each API key, its own bucket. */
  private readonly throttles = new StageThrottles();

  constructor(
    private readonly motoEndpoint: string,
    private readonly lambda: LambdaService,
    private readonly log: (line: string) => void = () => undefined,
    /** Headers every request to moto carries (the front's secret). */
    private readonly motoHeaders: Readonly<Record<string, string>> = {},
  ) {}

  /** Answers one request to a stage; every request gets an answer, as from API Gateway. */
  handle(req: http.IncomingMessage, res: http.ServerResponse, where: StageRequestTarget): void {
    receiveBody(req, res, (body) => {
      this.answer(req, res, where, body).catch((error: Error) => {
        this.log(`api: 500 for ${req.method} ${req.url}: ${error.message}`);
        gatewayAnswer(res, [500, 'Internal server error']);
      });
    });
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse, where: StageRequestTarget, body: Buffer): Promise<void> {
    const response = await fetch(`${this.motoEndpoint}/_emulator/restapis/${encodeURIComponent(where.apiId)}/stages/${encodeURIComponent(where.stage)}`, { headers: { ...this.motoHeaders } });
    if (response.status === 404) return gatewayAnswer(res, GATEWAY_RESPONSES.missingToken);
    if (response.status !== 200) throw new Error(`moto answered ${response.status} for the stage`);
    const stage = (await response.json()) as StageSnapshot;
    let apiPath: string;
    try {
      apiPath = splitTarget(where.target).path;
    } catch (error) {
      if (error instanceof BadTargetError) return gatewayAnswer(res, [400, error.message]);
      throw error;
    }
    const match = matchResource(stage.resources, apiPath);
    const method = match && (match.resource.methods[req.method ?? 'GET'] ?? match.resource.methods.ANY);
    if (!match || !method) return gatewayAnswer(res, GATEWAY_RESPONSES.missingToken);
    const apiKey = String(req.headers['x-api-key'] ?? '');
    if (method.apiKeyRequired && !stage.apiKeys.includes(apiKey)) return gatewayAnswer(res, GATEWAY_RESPONSES.forbidden);
    // Each key of a usage plan has its own throttle, and each method of a stage its own; the key's
    // applies first (stage-throttles.ts cites the order). Past either, 429.
    const verb = match.resource.methods[req.method ?? 'GET'] ? (req.method ?? 'GET') : 'ANY';
    const settings = stage.stage.methodSettings?.[methodSettingsKey(match.resource.path, verb)] ?? stage.stage.methodSettings?.['*/*'];
    const admitted = this.throttles.admit({
      key: method.apiKeyRequired ? { id: `key ${apiKey}`, limits: stage.keyThrottles?.[apiKey] } : undefined,
      method: { id: `method ${stage.apiId} ${where.stage} ${match.resource.path} ${verb}`, limits: { rateLimit: settings?.throttlingRateLimit, burstLimit: settings?.throttlingBurstLimit } },
    });
    if (!admitted) return gatewayAnswer(res, GATEWAY_RESPONSES.throttled);
    const integration = method.integration;
    const functionArn = integration?.type === 'AWS_PROXY' ? lambdaOfIntegration(integration.uri) : undefined;
    if (!functionArn) {
      this.log(`api: ${match.resource.path} ${req.method}: the emulator routes AWS_PROXY integrations to Lambda only (found ${integration?.type ?? 'none'})`);
      return gatewayAnswer(res, [500, 'Internal server error']);
    }

    let event;
    try {
      event = buildProxyEvent(
        { method: req.method ?? 'GET', target: where.target, headers: req.headers, body },
        {
          stage: where.stage,
          resource: match.resource.path,
          pathParameters: match.pathParameters,
          stageVariables: stage.stage.variables ?? null,
          apiId: stage.apiId,
          resourceId: match.resource.id,
          sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, ''),
        },
      );
    } catch (error) {
      if (error instanceof BadTargetError) return gatewayAnswer(res, [400, error.message]);
      throw error;
    }
    const timeoutMs = integration?.timeoutInMillis ?? DEFAULT_INTEGRATION_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const invoked = await Promise.race([
      this.lambda.invoke({ region: functionArn.split(':')[3], functionName: functionArn, payload: Buffer.from(JSON.stringify(event)) }),
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (invoked === 'timeout') return gatewayAnswer(res, GATEWAY_RESPONSES.integrationTimeout);
    if (invoked.status !== 200 || invoked.headers['x-amz-function-error']) {
      this.log(`api: 502: ${functionArn} answered ${invoked.status} ${invoked.body.toString('utf8').slice(0, 500)}`);
      return gatewayAnswer(res, GATEWAY_RESPONSES.integrationFailure);
    }
    let reply: unknown;
    try {
      reply = JSON.parse(invoked.body.toString('utf8'));
    } catch {
      reply = undefined;
    }
    const answered = integrationAnswer(reply);
    if ('malformed' in answered) {
      this.log(`api: 502: malformed Lambda proxy response: ${answered.malformed}`);
      return gatewayAnswer(res, GATEWAY_RESPONSES.integrationFailure);
    }
    res.writeHead(answered.statusCode, answered.headers);
    res.end(req.method === 'HEAD' ? '' : answered.body);
  }
}
