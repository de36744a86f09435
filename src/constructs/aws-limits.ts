/**
 * Limits AWS enforces, checked at synth time so a bad value fails before `terraform apply`
 * does. Each check returns the problem and its fix as text, or `undefined` when the value is
 * fine; callers prefix the field that held it.
 */

export const MIN_MEMORY_MB = 128;
export const MAX_MEMORY_MB = 10240;
/** API Gateway stops waiting for an integration after 29 s, so a longer function timeout only hides errors. */
export const MAX_API_TIMEOUT_SECONDS = 28;
/** The retention periods CloudWatch Logs accepts (`PutRetentionPolicy`), in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

export function memorySizeProblem(value: unknown): string | undefined {
  if (!Number.isInteger(value) || (value as number) < MIN_MEMORY_MB || (value as number) > MAX_MEMORY_MB) {
    return `${JSON.stringify(value)} is not a Lambda memory size; use a whole number of MB from ${MIN_MEMORY_MB} to ${MAX_MEMORY_MB}`;
  }
  return undefined;
}

export function timeoutProblem(value: unknown): string | undefined {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_API_TIMEOUT_SECONDS) {
    return `${JSON.stringify(value)} is not a usable timeout; use whole seconds from 1 to ${MAX_API_TIMEOUT_SECONDS} (API Gateway gives up after 29 s)`;
  }
  return undefined;
}

export function logRetentionProblem(value: unknown): string | undefined {
  if (!(LOG_RETENTION_DAYS as readonly unknown[]).includes(value)) {
    return `${JSON.stringify(value)} is not a retention CloudWatch Logs accepts; use one of ${LOG_RETENTION_DAYS.join(', ')} (days)`;
  }
  return undefined;
}

export function greetingProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 64 || /[\u0000-\u001f\u007f]/.test(value)) {
    return `${JSON.stringify(value)} is not a usable greeting; use 1 to 64 printable characters, such as "Hello" or "Bonjour"`;
  }
  return undefined;
}

/** CloudWatch alarm thresholds here count events per 5-minute period. */
export function alarmThresholdProblem(value: unknown): string | undefined {
  if (!Number.isInteger(value) || (value as number) < 1) {
    return `${JSON.stringify(value)} is not a threshold; use a whole count of at least 1 per 5 minutes`;
  }
  return undefined;
}

/** Names of Lambda functions, IAM roles and REST APIs: letters, digits and hyphens keep all three valid. */
export function resourceNameProblem(value: unknown, maxLength: number): string | undefined {
  if (typeof value !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(value) || value.length > maxLength) {
    return `${JSON.stringify(value)} is not a usable name; use letters, digits and hyphens, at most ${maxLength} characters`;
  }
  return undefined;
}

/** Throws `<owner> <field>: <problem>` when the check found one. */
export function assertValid(owner: string, field: string, problem: string | undefined): void {
  if (problem !== undefined) throw new Error(`${owner} ${field}: ${problem}`);
}
