/**
 * Saved plans made by hand, as an attacker would make them: a zip with a `tfplan` written field
 * by field after Terraform's planfile.proto (values as MessagePack), the states and the
 * configuration. The tests make genuine-looking ones and forge one part at a time; a real
 * Terraform plan is read in test/scripts/saved-plan.test.ts.
 */
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { encode } from '@msgpack/msgpack';
import { zipSync } from 'fflate';

/** planfile.proto's Action numbers. */
export const ACTION = { noop: 0, create: 1, read: 2, update: 3, delete: 5, deleteThenCreate: 6, createThenDelete: 7, forget: 8 } as const;
/** planfile.proto's Mode numbers. */
export const MODE = { normal: 0, destroy: 1, refreshOnly: 2 } as const;

export interface PlannedChangeParts {
  readonly address: string;
  readonly action: number;
  /** The object before the change (omitted for a create). */
  readonly before?: Record<string, unknown>;
  readonly after?: Record<string, unknown>;
  readonly deposedKey?: string;
}

export interface SavedPlanParts {
  /** `tfconfig/m-/<file>` → content. */
  readonly config: Readonly<Record<string, string>>;
  readonly lockFile: string;
  /** The refreshed state, with lineage and serial. */
  readonly state: object;
  /** The state as stored. */
  readonly previousState: object;
  readonly backend: { readonly type: string; readonly config: Record<string, unknown>; readonly workspace?: string };
  readonly changes?: readonly PlannedChangeParts[];
  readonly mode?: number;
  readonly errored?: boolean;
  readonly targets?: readonly string[];
  readonly forceReplace?: readonly string[];
  readonly variables?: readonly string[];
  readonly modules?: unknown;
  /** Further zip entries. */
  readonly extraEntries?: Readonly<Record<string, string>>;
}

const dynamicValue = (value: unknown) => new BinaryWriter().tag(1, WireType.LengthDelimited).bytes(encode(value)).finish();

function change(parts: PlannedChangeParts): Uint8Array {
  const inner = new BinaryWriter().tag(1, WireType.Varint).int32(parts.action);
  const values = parts.action === ACTION.create ? [parts.after ?? {}] : [parts.before ?? null, ...(parts.after ? [parts.after] : [])];
  for (const value of values) inner.tag(2, WireType.LengthDelimited).bytes(dynamicValue(value));
  const outer = new BinaryWriter().tag(13, WireType.LengthDelimited).string(parts.address);
  if (parts.deposedKey) outer.tag(7, WireType.LengthDelimited).string(parts.deposedKey);
  return outer.tag(8, WireType.LengthDelimited).string('provider["registry.terraform.io/hashicorp/aws"]').tag(9, WireType.LengthDelimited).bytes(inner.finish()).finish();
}

/** The `tfplan` entry: planfile.proto's Plan, with the fields an apply depends on. */
export function planMessage(parts: SavedPlanParts): Uint8Array {
  const plan = new BinaryWriter().tag(1, WireType.Varint).uint64(3);
  for (const name of parts.variables ?? []) {
    plan.tag(2, WireType.LengthDelimited).bytes(new BinaryWriter().tag(1, WireType.LengthDelimited).string(name).tag(2, WireType.LengthDelimited).bytes(dynamicValue('x')).finish());
  }
  for (const item of parts.changes ?? []) plan.tag(3, WireType.LengthDelimited).bytes(change(item));
  for (const target of parts.targets ?? []) plan.tag(5, WireType.LengthDelimited).string(target);
  const backend = new BinaryWriter()
    .tag(1, WireType.LengthDelimited)
    .string(parts.backend.type)
    .tag(2, WireType.LengthDelimited)
    .bytes(dynamicValue(parts.backend.config))
    .tag(3, WireType.LengthDelimited)
    .string(parts.backend.workspace ?? 'default');
  plan.tag(13, WireType.LengthDelimited).bytes(backend.finish());
  plan.tag(14, WireType.LengthDelimited).string('1.11.4');
  for (const address of parts.forceReplace ?? []) plan.tag(16, WireType.LengthDelimited).string(address);
  if (parts.mode) plan.tag(17, WireType.Varint).int32(parts.mode);
  if (parts.errored) plan.tag(20, WireType.Varint).bool(true);
  return plan.finish();
}

/** A saved plan's bytes. */
export function buildSavedPlan(parts: SavedPlanParts): Uint8Array {
  const text = (value: string) => Buffer.from(value);
  return zipSync({
    tfplan: planMessage(parts),
    tfstate: text(JSON.stringify(parts.state)),
    'tfstate-prev': text(JSON.stringify(parts.previousState)),
    ...Object.fromEntries(Object.entries(parts.config).map(([file, content]) => [`tfconfig/m-/${file}`, text(content)])),
    'tfconfig/modules.json': text(JSON.stringify(parts.modules ?? [{ Key: '', Dir: '.' }])),
    '.terraform.lock.hcl': text(parts.lockFile),
    ...Object.fromEntries(Object.entries(parts.extraEntries ?? {}).map(([name, content]) => [name, text(content)])),
  });
}
