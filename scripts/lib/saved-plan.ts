/**
 * What a saved plan (`terraform plan -out`) holds, read without Terraform: it is a zip of the
 * plan itself (`tfplan`, protocol buffers: Terraform's internal/plans/planproto/planfile.proto,
 * whose values are MessagePack), the state it was planned against, refreshed (`tfstate`) and as
 * stored (`tfstate-prev`), the configuration (`tfconfig/`) and the lock file. `terraform apply
 * <plan>` applies what the plan file says, with the backend it names, to the state it carries;
 * so `npm run apply` reads all of it to check it against the checkout (bundle-authenticity.ts).
 */
import * as fs from 'fs';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { ExtData, decode as decodeMsgpack } from '@msgpack/msgpack';
import { unzipSync } from 'fflate';

/** planfile.proto's `Mode`. */
const MODES = ['normal', 'destroy', 'refresh-only'] as const;
export type PlanMode = (typeof MODES)[number] | 'unknown';

/** planfile.proto's `Action`. */
const ACTIONS: Record<number, PlannedAction> = {
  0: 'no-op',
  1: 'create',
  2: 'read',
  3: 'update',
  5: 'delete',
  6: 'delete-then-create',
  7: 'create-then-delete',
  8: 'forget',
  9: 'create-then-forget',
};
export type PlannedAction = 'no-op' | 'create' | 'read' | 'update' | 'delete' | 'delete-then-create' | 'create-then-delete' | 'forget' | 'create-then-forget' | 'unknown';

/** A value Terraform will know only after apply (MessagePack extension 0 in a plan). */
export const UNKNOWN = Symbol('unknown');

/** One resource instance change of a plan, as the plan file records it. */
export interface PlannedChange {
  /** `addr`: the instance's address, such as `aws_iam_role.logging-role_5F2C7B0C` or `data.x.y`. */
  readonly address: string;
  /** `prev_run_addr`: where the state had it, when a `moved` block moves it. */
  readonly previousAddress?: string;
  /** `deposed_key`: the change is to a deposed object of the instance. */
  readonly deposedKey?: string;
  readonly action: PlannedAction;
  /**
   * The object as it is before the change (`values[0]` for every action but create), decoded;
   * undefined for a create.
   */
  readonly before?: unknown;
  /** `importing.id`: the id of the object the change imports. */
  readonly importingId?: string;
}

/** The backend a plan applies to (planfile.proto `Backend`). */
export interface PlannedBackend {
  readonly type: string;
  /** Every attribute of the backend's schema, null where not set. */
  readonly config: Record<string, unknown>;
  readonly workspace: string;
}

/** What planfile.proto's `Plan` says, for the fields an apply depends on. */
export interface DecodedPlan {
  readonly version: number;
  readonly mode: PlanMode;
  readonly errored: boolean;
  readonly terraformVersion: string;
  readonly backend?: PlannedBackend;
  /** Names of the variables the plan sets. */
  readonly variables: readonly string[];
  readonly changes: readonly PlannedChange[];
  /** `-target` addresses: the plan applies to those only. */
  readonly targets: readonly string[];
  /** `-replace` addresses: objects replaced though their configuration did not change. */
  readonly forceReplace: readonly string[];
}

/** A saved plan opened: every entry of its zip, and what they say. */
export interface SavedPlan {
  /** Entry name → bytes, as the zip holds them. */
  readonly entries: Readonly<Record<string, Uint8Array>>;
  /** The root module's configuration files, `tfconfig/m-/<file>` → bytes. */
  readonly configFiles: Readonly<Record<string, Uint8Array>>;
  /** `.terraform.lock.hcl` as Terraform stored it. */
  readonly lockFile?: string;
  /** `tfstate`: the state refreshed, with the lineage and serial the plan was made against. */
  readonly state: any;
  /** `tfstate-prev`: the state as stored when the plan was made (no lineage or serial). */
  readonly previousState: any;
  readonly plan: DecodedPlan;
}

/** A saved plan that cannot be read: not a zip, or without the parts every plan has. */
export class SavedPlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SavedPlanError';
  }
}

/** MessagePack as Terraform's cty writes it: extension 0 is an unknown value. */
function msgpackValue(bytes: Uint8Array): unknown {
  const replace = (value: unknown): unknown => {
    if (value instanceof ExtData) return value.type === 0 ? UNKNOWN : value;
    if (Array.isArray(value)) return value.map(replace);
    if (value instanceof Map) return Object.fromEntries([...value.entries()].map(([key, inner]) => [String(key), replace(inner)]));
    if (value && typeof value === 'object' && !(value instanceof Uint8Array)) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, replace(inner)]));
    return value;
  };
  return replace(decodeMsgpack(bytes));
}

/** Calls `field` for each field of the message in `bytes`; fields it does not take are skipped. */
function readMessage(bytes: Uint8Array, field: (number: number, reader: BinaryReader, wireType: WireType) => boolean): void {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag();
    if (!field(number, reader, wireType)) reader.skip(wireType, number);
  }
}

/** `DynamicValue { bytes msgpack = 1; }`, decoded. */
function dynamicValue(bytes: Uint8Array): unknown {
  let value: unknown;
  readMessage(bytes, (number, reader) => {
    if (number !== 1) return false;
    value = msgpackValue(reader.bytes());
    return true;
  });
  return value;
}

function decodeChange(bytes: Uint8Array): { action: PlannedAction; values: unknown[]; importingId?: string } {
  let action: PlannedAction = 'no-op';
  const values: unknown[] = [];
  let importingId: string | undefined;
  readMessage(bytes, (number, reader) => {
    if (number === 1) action = ACTIONS[reader.int32()] ?? 'unknown';
    else if (number === 2) values.push(dynamicValue(reader.bytes()));
    else if (number === 5) readMessage(reader.bytes(), (inner, importing) => (inner === 1 ? ((importingId = importing.string()), true) : false));
    else return false;
    return true;
  });
  return { action, values, importingId };
}

function decodeResourceChange(bytes: Uint8Array): PlannedChange {
  let address = '';
  let previousAddress: string | undefined;
  let deposedKey: string | undefined;
  let change: ReturnType<typeof decodeChange> = { action: 'no-op', values: [] };
  readMessage(bytes, (number, reader) => {
    if (number === 13) address = reader.string();
    else if (number === 14) previousAddress = reader.string() || undefined;
    else if (number === 7) deposedKey = reader.string() || undefined;
    else if (number === 9) change = decodeChange(reader.bytes());
    else return false;
    return true;
  });
  return {
    address,
    action: change.action,
    ...(previousAddress && { previousAddress }),
    ...(deposedKey && { deposedKey }),
    ...(change.action !== 'create' && change.values.length && { before: change.values[0] }),
    ...(change.importingId && { importingId: change.importingId }),
  };
}

/** The `tfplan` entry of a saved plan, decoded (planfile.proto `Plan`). */
export function decodePlan(bytes: Uint8Array): DecodedPlan {
  let version = 0;
  let mode: PlanMode = 'normal';
  let errored = false;
  let terraformVersion = '';
  let backend: PlannedBackend | undefined;
  const variables: string[] = [];
  const changes: PlannedChange[] = [];
  const targets: string[] = [];
  const forceReplace: string[] = [];
  readMessage(bytes, (number, reader) => {
    switch (number) {
      case 1:
        version = Number(reader.uint64());
        break;
      case 2:
        readMessage(reader.bytes(), (inner, entry) => (inner === 1 ? (variables.push(entry.string()), true) : false));
        break;
      case 3:
        changes.push(decodeResourceChange(reader.bytes()));
        break;
      case 5:
        targets.push(reader.string());
        break;
      case 13: {
        let type = '';
        let config: unknown = {};
        let workspace = '';
        readMessage(reader.bytes(), (inner, field) => {
          if (inner === 1) type = field.string();
          else if (inner === 2) config = dynamicValue(field.bytes());
          else if (inner === 3) workspace = field.string();
          else return false;
          return true;
        });
        backend = { type, config: (config ?? {}) as Record<string, unknown>, workspace };
        break;
      }
      case 14:
        terraformVersion = reader.string();
        break;
      case 16:
        forceReplace.push(reader.string());
        break;
      case 17:
        mode = MODES[reader.int32()] ?? 'unknown';
        break;
      case 20:
        errored = reader.bool();
        break;
      default:
        return false;
    }
    return true;
  });
  return { version, mode, errored, terraformVersion, backend, variables, changes, targets, forceReplace };
}

const CONFIG_PREFIX = 'tfconfig/m-/';

/** Opens a saved plan; throws {@link SavedPlanError} naming what is wrong with it. */
export function readSavedPlan(file: string): SavedPlan {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(new Uint8Array(fs.readFileSync(file)));
  } catch (error) {
    throw new SavedPlanError(`${file} is not a saved plan (not a zip: ${(error as Error).message})`);
  }
  for (const part of ['tfplan', 'tfstate', 'tfstate-prev']) {
    if (!entries[part]) throw new SavedPlanError(`${file} has no ${part}: it is not a saved plan`);
  }
  const json = (part: string) => {
    try {
      return JSON.parse(Buffer.from(entries[part]).toString('utf8'));
    } catch (error) {
      throw new SavedPlanError(`${file}: its ${part} is not a state (${(error as Error).message})`);
    }
  };
  let plan: DecodedPlan;
  try {
    plan = decodePlan(entries.tfplan);
  } catch (error) {
    throw new SavedPlanError(`${file}: its tfplan cannot be read (${(error as Error).message})`);
  }
  const configFiles = Object.fromEntries(
    Object.entries(entries)
      .filter(([name]) => name.startsWith(CONFIG_PREFIX) && !name.endsWith('/'))
      .map(([name, bytes]) => [name.slice(CONFIG_PREFIX.length), bytes]),
  );
  const lock = entries['.terraform.lock.hcl'];
  return {
    entries,
    configFiles,
    lockFile: lock && Buffer.from(lock).toString('utf8'),
    state: json('tfstate'),
    previousState: json('tfstate-prev'),
    plan,
  };
}
