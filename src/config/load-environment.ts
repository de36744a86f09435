import * as fs from 'fs';
import * as path from 'path';
import { ParseErrorCode, printParseErrorCode, visit } from 'jsonc-parser';
import { z } from 'zod';
import { EnvironmentConfig, environmentSchemaFor } from './environment-config';
import { TIER_CATALOG, TierCatalog, longestTierName } from './tier-catalog';
import { defaultStateBucket } from '../rules/defaults';

/** The variable that selects the environment, and its value when unset. */
export const ENVIRONMENT_VARIABLE = 'ENVIRONMENT';
export const DEFAULT_ENVIRONMENT = 'dev';

/** The environment a process's variables choose: ENVIRONMENT, else dev. */
export function environmentNameFrom(env: NodeJS.ProcessEnv): string {
  return env[ENVIRONMENT_VARIABLE] || DEFAULT_ENVIRONMENT;
}

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
export function loadEnvironment(name: string, dir: string, tiers: TierCatalog = TIER_CATALOG): EnvironmentConfig {
  const known = listEnvironments(dir);
  if (!known.includes(name)) {
    throw new ConfigError(
      `${ENVIRONMENT_VARIABLE}=${JSON.stringify(name)} is not a known environment; ` +
        `set ${ENVIRONMENT_VARIABLE} to one of: ${known.join(', ')} (or add environments/${name}.json)`,
    );
  }
  const file = path.join(dir, `${name}.json`);
  const source = `environments/${name}.json`;
  return parseEnvironment(name, readEnvironmentJson(file, source), source, tiers);
}

/** Deeper than any environment file needs (they nest four levels); JSON.parse recurses per level. */
const MAX_NESTING = 32;

/**
 * An environment file's JSON, refusing what JSON.parse would take silently or explain badly:
 * a folder, a byte order mark, nesting past {@link MAX_NESTING}, a key given twice in one
 * object (JSON.parse keeps the last), a string that is not valid Unicode (a lone surrogate,
 * which Terraform would turn into U+FFFD).
 */
export function readEnvironmentJson(file: string, source: string): unknown {
  if (fs.statSync(file).isDirectory()) throw new ConfigError(`${source} is a folder, not a file; an environment is one JSON file`);
  const text = fs.readFileSync(file, 'utf8');
  if (text.startsWith('\uFEFF')) throw new ConfigError(`${source} starts with a byte order mark (U+FEFF), which JSON does not allow; save it as UTF-8 without BOM`);
  const depth = nestingDepth(text);
  if (depth > MAX_NESTING) throw new ConfigError(`${source} nests ${depth} levels deep; an environment file needs at most 4 (and ${MAX_NESTING} are allowed): fix its structure`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const at = firstSyntaxError(text);
    const where = at ? ` at line ${at.line}, column ${at.column} (${at.problem})` : ` (${(error as Error).message})`;
    throw new ConfigError(`${source} is not valid JSON${where}; fix its syntax`);
  }
  const duplicate = firstDuplicateKey(text);
  if (duplicate) {
    throw new ConfigError(`${source}: ${duplicate.path}${duplicate.path ? '.' : ''}${duplicate.key} is given twice; JSON keeps only the last, so say it once`);
  }
  const broken = firstIllFormedString(raw);
  if (broken !== undefined) {
    throw new ConfigError(`${source}: ${broken || '(top level)'} holds a lone surrogate (half of a UTF-16 pair), which is not Unicode and Terraform would turn into U+FFFD; remove it`);
  }
  return raw;
}

/** Where strict JSON text first goes wrong, counted from 1 as editors count, and what is wrong there. */
function firstSyntaxError(text: string): { line: number; column: number; problem: string } | undefined {
  let found: { line: number; column: number; problem: string } | undefined;
  visit(
    text,
    {
      onError: (code: ParseErrorCode, _offset, _length, line, column) => {
        found ??= { line: line + 1, column: column + 1, problem: printParseErrorCode(code) };
      },
    },
    { disallowComments: true, allowTrailingComma: false },
  );
  return found;
}

/** How deep objects and arrays nest in JSON text, strings skipped; in one pass, without recursion. */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') deepest = Math.max(deepest, ++depth);
    else if (char === '}' || char === ']') depth--;
  }
  return deepest;
}

/** The first key that appears twice in one object, with the path of that object. */
function firstDuplicateKey(text: string): { path: string; key: string } | undefined {
  const seen: Set<string>[] = [];
  let found: { path: string; key: string } | undefined;
  visit(text, {
    onObjectBegin: () => void seen.push(new Set()),
    onObjectEnd: () => void seen.pop(),
    onObjectProperty: (key, _offset, _length, _line, _column, pathSupplier) => {
      const keys = seen[seen.length - 1];
      if (!found && keys.has(key)) found = { path: pathSupplier().join('.'), key };
      keys.add(key);
    },
  });
  return found;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The dotted path of the first string (key or value) that holds a lone surrogate. */
function firstIllFormedString(value: unknown, at = ''): string | undefined {
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? at : undefined;
  if (!value || typeof value !== 'object') return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const inside = at ? `${at}.${key}` : key;
    if (LONE_SURROGATE.test(key)) return inside;
    const found = firstIllFormedString(inner, inside);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Validates one environment's raw JSON against the schema and fills in the defaults.
 * Reports every problem at once, each as `<field>: <value> is not …; use …`.
 * `tiers` is the app's tier catalog: the file's `tiers` has one entry per tier.
 */
export function parseEnvironment(name: string, raw: unknown, source: string, tiers: TierCatalog = TIER_CATALOG): EnvironmentConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${source} must hold a JSON object, got ${JSON.stringify(raw)}; see environments/dev.json`);
  }
  const parsed = environmentSchemaFor(tiers).safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(`${source} is not a valid environment:\n  - ${problems(parsed.error).join('\n  - ')}`);
  }
  const file = parsed.data;
  const nameProblem = environmentNameProblem(name, file.namePrefix, tiers);
  if (nameProblem) throw new ConfigError(`${source} is not a valid environment:\n  - ${nameProblem}`);
  const state =
    file.state.type === 's3'
      ? {
          ...file.state,
          bucket: file.state.bucket ?? defaultStateBucket(file.namePrefix, file.account.id),
          bucketFromBootstrap: file.state.bucket === undefined,
          region: file.state.region ?? file.region,
        }
      : file.state;
  return { name, ...file, state };
}

/** What a tier's resources are named after, its function first: `<namePrefix>-<environment>-<tier>`. */
export const tierBaseName = (environment: Pick<EnvironmentConfig, 'name' | 'namePrefix'>, tier: string) => `${environment.namePrefix}-${environment.name}-${tier}`;

/**
 * The KMS key (by its alias, in the environment's region) that seals the saved plans a pull
 * request's plan job uploads: the plan role may encrypt with it, only the apply role decrypt.
 * The account's bootstrap stack creates it.
 */
export const planBundleKeyAlias = (environment: Pick<EnvironmentConfig, 'name' | 'namePrefix'>) => `alias/${environment.namePrefix}-${environment.name}-plan-bundles`;

/** The longest name the stacks derive: `<namePrefix>-<environment>-<longest tier>-apigw-invoke`, an IAM role. */
export const longestDerivedName = (name: string, namePrefix: string, tiers: TierCatalog = TIER_CATALOG) =>
  `${tierBaseName({ name, namePrefix }, longestTierName(tiers))}-apigw-invoke`;

/** The environment's name goes into every resource name, so it must fit them: IAM role names take 64 characters. */
function environmentNameProblem(name: string, namePrefix: string, tiers: TierCatalog): string | undefined {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) {
    return `the file name ${JSON.stringify(name)} is not a usable environment name; name the file with lowercase letters, digits and hyphens, such as qa.json`;
  }
  const longest = longestDerivedName(name, namePrefix, tiers);
  if (longest.length > 64) {
    const room = 64 - longestDerivedName('', '', tiers).length;
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
