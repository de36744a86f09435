/**
 * The QoS tiers, in order, each with its defaults: the one place a tier is defined. The
 * environment schema (its tier fields, their defaults, the cross-tier rules), the app's stacks
 * (one per tier, named after it) and the resource-name length check are all derived from it.
 * Adding a tier is one entry here; each tier must offer at least what the one before it does.
 */
import { describeValue } from '../rules/aws-limits';
import { DEFAULT_CLIENT_RATE_LIMIT, DEFAULT_MEMORY_MB, DEFAULT_THROTTLE } from '../rules/defaults';

/** One QoS tier and what an environment gets when its file says nothing about it. */
export interface TierDefinition {
  /** The tier's name: its stack's name (`cdktf deploy <name>`) and the last part of its resource names. */
  readonly name: string;
  /** Lambda memory, MB (it also buys CPU). */
  readonly memoryMb: number;
  /** The stage's whole API Gateway throttling budget, which its methods share: requests per second, and the burst above it. */
  readonly throttle: {
    readonly rateLimit: number;
    readonly burstLimit: number;
  };
  /** Requests one client IP may send per 5 minutes where the environment puts WAF in front of its stages (`webAcl`). */
  readonly clientRateLimit: number;
}

/** The tiers, cheapest first. */
export type TierCatalog = readonly TierDefinition[];

/** This app's tiers: standard is the constructs' defaults, premium four times its memory and limits. */
export const TIER_CATALOG = [
  { name: 'standard', memoryMb: DEFAULT_MEMORY_MB, throttle: DEFAULT_THROTTLE, clientRateLimit: DEFAULT_CLIENT_RATE_LIMIT },
  {
    name: 'premium',
    memoryMb: 512,
    throttle: { rateLimit: 200, burstLimit: 400 },
    clientRateLimit: 6000,
  },
] as const satisfies TierCatalog;

/** A tier of this app's catalog. */
export type Tier = (typeof TIER_CATALOG)[number]['name'];

/** The names of this app's tiers, in order. */
export const TIERS: readonly Tier[] = TIER_CATALOG.map((tier) => tier.name);

/** Stack names the app uses for other things than tiers (the stacks' ACCOUNT_SETTINGS_STACK: config imports no stack). */
const RESERVED_NAMES = ['account-settings'];

/**
 * What is wrong with a catalog, or undefined: names must be unique, usable in stack and
 * resource names, and not another stack's; there must be at least one tier.
 */
export function tierCatalogProblem(catalog: TierCatalog): string | undefined {
  if (catalog.length === 0) return 'the tier catalog is empty; define at least one tier';
  const seen = new Set<string>();
  for (const [index, tier] of catalog.entries()) {
    if (typeof tier.name !== 'string' || !/^[a-z]([a-z0-9-]{0,14}[a-z0-9])?$/.test(tier.name)) {
      const name = describeValue(tier.name);
      return `tier ${index}'s name ${name} is not usable in stack and resource names; use 1 to 16 lowercase letters, digits or hyphens, starting with a letter`;
    }
    if (RESERVED_NAMES.includes(tier.name)) return `tier name ${describeValue(tier.name)} is the name of another stack; choose another`;
    if (seen.has(tier.name)) return `tier name ${describeValue(tier.name)} is defined twice; give each tier its own name`;
    seen.add(tier.name);
  }
  return undefined;
}

/** The catalog's longest tier name: the one whose resource names are longest. */
export const longestTierName = (catalog: TierCatalog): string => catalog.map((tier) => tier.name).reduce((a, b) => (b.length > a.length ? b : a));
