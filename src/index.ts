/**
 * The greeting service's constructs, for use in any cdktf app (`npm run build`, then
 * `npm pack`). Import from the package root; each construct is also a deep import under
 * `dist/src/constructs/`. Peer dependencies: cdktf, constructs, @cdktf/provider-aws and
 * @cdktf/provider-archive.
 */
import * as fs from 'fs';
import * as path from 'path';

export { ApiGatewayAccount, PUSH_TO_CLOUDWATCH_POLICY_ARN } from './constructs/api-gateway-account';
export type { ApiGatewayAccountProps } from './constructs/api-gateway-account';
export { ClientRateLimit } from './constructs/client-rate-limit';
export type { ClientRateLimitProps, IApiStage } from './constructs/client-rate-limit';
export { GreetingFunction, SUPPORTED_RUNTIMES } from './constructs/greeting-function';
export type { GreetingFunctionProps, NodeRuntime, PrebuiltZip } from './constructs/greeting-function';
export { BASIC_EXECUTION_POLICY_ARN, LOG_WRITING_ACTIONS, LoggingRole, XRAY_TRACING_ACTIONS, XRAY_WRITE_POLICY_ARN } from './constructs/logging-role';
export type { IExecutionRole, ILogGroupRef, LoggingRoleProps } from './constructs/logging-role';
export { ACCESS_LOG_FORMAT, ProxyApi } from './constructs/proxy-api';
export type { IInvokeGrantee, IProxyApiHandler, ProxyApiProps, ThrottleSettings } from './constructs/proxy-api';
export type { RoleSettings } from './constructs/service-role';
export { ServiceAlarms } from './constructs/service-alarms';
export type { ServiceAlarmsProps } from './constructs/service-alarms';
export {
  LOG_RETENTION_DAYS,
  MAX_API_TIMEOUT_SECONDS,
  MAX_MEMORY_MB,
  MAX_THROTTLE_BURST,
  MAX_THROTTLE_RATE,
  MAX_WAF_RATE_LIMIT,
  MIN_MEMORY_MB,
  MIN_WAF_RATE_LIMIT,
  WAF_EVALUATION_WINDOWS,
} from './rules/aws-limits';
// The defaults the constructs fall back on, each defined once (units in src/rules/defaults.ts),
// and the alarms ServiceAlarms makes with their thresholds' defaults.
export {
  DEFAULT_ALARM_THRESHOLD,
  DEFAULT_API_4XX_PERCENT,
  DEFAULT_API_P99_LATENCY_MS,
  DEFAULT_CLIENT_RATE_LIMIT,
  DEFAULT_CLIENT_RATE_WINDOW_SECONDS,
  DEFAULT_CONCURRENCY_PERCENT_OF_RESERVATION,
  DEFAULT_DURATION_PERCENT_OF_TIMEOUT,
  DEFAULT_GREETING,
  DEFAULT_LOG_RETENTION_DAYS,
  DEFAULT_MEMORY_MB,
  DEFAULT_STAGE_NAME,
  DEFAULT_THROTTLE,
  DEFAULT_TIMEOUT_SECONDS,
  GREETING_VARIABLE,
} from './rules/defaults';
export { ALARM_CATALOG } from './rules/alarm-catalog';
export type { AlarmDefinition, AlarmThresholdName, AlarmThresholds } from './rules/alarm-catalog';

/**
 * The greeting handler, bundled into one file by `npm run build` (`dist/handler/index.js`),
 * for {@link GreetingFunctionProps.codeFile}: `index.helloworld` answers `Hello <name>`.
 */
export function greetingHandlerFile(): string {
  const file = path.join(__dirname, '..', 'handler', 'index.js');
  if (!fs.existsSync(file)) {
    throw new Error(`${file} is missing: the package's build puts the handler there; run \`npm run build\` in greeting-service-cdktf, or pass your own codeFile`);
  }
  return file;
}
