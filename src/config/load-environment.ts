import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { EnvironmentConfig, environmentFileSchema } from './environment-config';

/** The variable that selects the environment, and its value when unset. */
export const ENVIRONMENT_VARIABLE = 'ENVIRONMENT';
export const DEFAULT_ENVIRONMENT = 'dev';

/** Bad configuration: the message names the file, the field, the value and the fix. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Names of the environments in `dir`: one per `<name>.json`, sorted. */
export function listEnvironments(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

/**
 * Loads `environments/<name>.json` from `dir`. Throws a {@link ConfigError} for an unknown
 * name, a file that is not JSON, or any field that is out of range.
 */
export function loadEnvironment(name: string, dir: string): EnvironmentConfig {
  const known = listEnvironments(dir);
  if (!known.includes(name)) {
    throw new ConfigError(
      `${ENVIRONMENT_VARIABLE}=${JSON.stringify(name)} is not a known environment; ` +
        `set ${ENVIRONMENT_VARIABLE} to one of: ${known.join(', ')} (or add environments/${name}.json)`,
    );
  }
  const file = path.join(dir, `${name}.json`);
  const source = `environments/${name}.json`;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${source} is not valid JSON (${(error as Error).message}); fix its syntax`);
  }
  return parseEnvironment(name, raw, source);
}

/**
 * Validates one environment's raw JSON against the schema and fills in the defaults.
 * Reports every problem at once, each as `<field>: <value> is not …; use …`.
 */
export function parseEnvironment(name: string, raw: unknown, source: string): EnvironmentConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${source} must hold a JSON object, got ${JSON.stringify(raw)}; see environments/dev.json`);
  }
  const parsed = environmentFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(`${source} is not a valid environment:\n  - ${problems(parsed.error).join('\n  - ')}`);
  }
  const file = parsed.data;
  const nameProblem = environmentNameProblem(name, file.namePrefix);
  if (nameProblem) throw new ConfigError(`${source} is not a valid environment:\n  - ${nameProblem}`);
  const state = file.state.type === 's3' ? { ...file.state, region: file.state.region ?? file.region } : file.state;
  return { name, ...file, state };
}

/** The longest name the stacks derive: `<namePrefix>-<environment>-premium-apigw-invoke`, an IAM role. */
export const longestDerivedName = (name: string, namePrefix: string) => `${namePrefix}-${name}-premium-apigw-invoke`;

/** The environment's name goes into every resource name, so it must fit them: IAM role names take 64 characters. */
function environmentNameProblem(name: string, namePrefix: string): string | undefined {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) {
    return `the file name ${JSON.stringify(name)} is not a usable environment name; name the file with lowercase letters, digits and hyphens, such as qa.json`;
  }
  const longest = longestDerivedName(name, namePrefix);
  if (longest.length > 64) {
    const room = 64 - longestDerivedName('', '').length;
    return (
      `namePrefix ${JSON.stringify(namePrefix)} with the environment name ${JSON.stringify(name)} makes the role name ${longest} ` +
      `(${longest.length} characters) longer than IAM's 64; keep namePrefix and the file name to ${room} characters together`
    );
  }
  return undefined;
}

/** One line per problem: the field's dotted path, then the rule's message. */
function problems(error: z.ZodError): string[] {
  return error.issues.flatMap((issue) => {
    // A discriminator that matches no kind (`state.type`) is a problem of the whole setting.
    const path = issue.code === z.ZodIssueCode.invalid_union_discriminator ? issue.path.slice(0, -1) : issue.path;
    const field = path.join('.');
    if (issue.code === z.ZodIssueCode.unrecognized_keys) {
      return issue.keys.map((key) => `${field ? `${field}.` : ''}${key}: ${issue.message}`);
    }
    return [`${field}: ${issue.message}`];
  });
}
