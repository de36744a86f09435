/**
 * The defaults of the service, each with its unit, defined here only: the constructs fall
 * back on them and the environment schema fills them in. What differs per tier (premium's
 * memory and throttling) is in the tier catalog, `src/config/tier-catalog.ts`. This module
 * imports nothing of the project but the handler's own settings.
 */

/** First part of every resource name of an environment. */
export const DEFAULT_NAME_PREFIX = 'hello-world';

/**
 * The S3 bucket of an environment's state when its file names none: one per name prefix and
 * account (bucket names are global), created by the account's bootstrap stack.
 */
export const defaultStateBucket = (namePrefix: string, accountId: string) => `${namePrefix}-terraform-state-${accountId}`;

/** Lambda memory, MB (it also buys CPU). */
export const DEFAULT_MEMORY_MB = 128;
/** Lambda timeout, seconds. */
export const DEFAULT_TIMEOUT_SECONDS = 3;
/** CloudWatch Logs retention, days. */
export const DEFAULT_LOG_RETENTION_DAYS = 14;
/** API Gateway stage, the first segment of every URL path (the walkthrough's `test`). */
export const DEFAULT_STAGE_NAME = 'test';
/** A stage's whole API Gateway throttling budget, which its methods share: requests per second, and the burst above it. */
export const DEFAULT_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;
/**
 * Requests one client (source IP) may send per WAF evaluation window before WAF blocks it
 * (403) until its rate drops: a tenth of what the default stage throttle serves in the window.
 */
export const DEFAULT_CLIENT_RATE_LIMIT = 1500;
/** The window a client's requests are counted over, seconds. */
export const DEFAULT_CLIENT_RATE_WINDOW_SECONDS = 300;
/** Events per 5 minutes that raise an alarm. */
export const DEFAULT_ALARM_THRESHOLD = 1;
/** The word the function greets with, and the variable it reads it from: the handler's own. */
export { DEFAULT_GREETING, GREETING_VARIABLE } from '../../lambda-src/settings';
/** API 4XX answers, in percent of the requests in 5 minutes, that raise an alarm: callers' mistakes, so a share, not one. */
export const DEFAULT_API_4XX_PERCENT = 10;
/** Concurrent executions, in percent of the function's reserved concurrency, that raise an alarm. */
export const DEFAULT_CONCURRENCY_PERCENT_OF_RESERVATION = 80;
/** API latency (p99 per minute, in 3 of 5 minutes), ms, that raises an alarm. */
export const DEFAULT_API_P99_LATENCY_MS = 1000;
/** Function duration (the longest in 5 minutes), as a percentage of its timeout, that raises an alarm. */
export const DEFAULT_DURATION_PERCENT_OF_TIMEOUT = 80;
