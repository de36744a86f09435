import { Construct } from 'constructs';
import { Fn } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';

/** What a key's administrators may do, not use it: AWS's default key policy for key administrators (AWS KMS Developer Guide, "Default key policy"). */
const KEY_ADMINISTRATION = [
  'kms:Create*',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];

export interface PlanBundleKeyProps {
  /** The key's alias, `alias/…`: what the plan job names it by. */
  readonly alias: string;
  /** The account that owns the key: its root administers the key (never uses it). */
  readonly accountId: string;
  /** The only role that may make data keys with it (the plan job's). */
  readonly sealerRoleArn: string;
  /** The only role that may decrypt with it (the apply job's). */
  readonly openerRoleArn: string;
  /** An encryption context every use must carry: key → value (such as the environment). */
  readonly encryptionContext: Readonly<Record<string, string>>;
  /**
   * The provider of the key's region.
   * @default the stack's AWS provider
   */
  readonly provider?: AwsProvider;
}

/**
 * A KMS key that seals saved plans for one reader: the sealer may only generate data keys
 * (never decrypt), the opener may only decrypt, each with the encryption context given; the
 * account's root may administer the key but not use it, so no identity policy elsewhere in the
 * account opens a sealed plan. Rotated yearly.
 */
export class PlanBundleKey extends Construct {
  public readonly key: KmsKey;
  public readonly alias: KmsAlias;

  constructor(scope: Construct, id: string, props: PlanBundleKeyProps) {
    super(scope, id);
    if (!/^alias\/[A-Za-z0-9/_-]{1,250}$/.test(props.alias) || props.alias.startsWith('alias/aws/')) {
      throw new Error(`PlanBundleKey alias: ${JSON.stringify(props.alias)} is not a KMS alias of yours; use alias/<name> of letters, digits, /, _ or -, not under alias/aws/`);
    }
    const condition = {
      StringEquals: Object.fromEntries(Object.entries(props.encryptionContext).map(([key, value]) => [`kms:EncryptionContext:${key}`, value])),
    };
    this.key = new KmsKey(this, 'key', {
      description: `Seals saved plans for the apply role (${props.alias})`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'AccountAdministersOnly', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${props.accountId}:root` }, Action: KEY_ADMINISTRATION, Resource: '*' },
          { Sid: 'PlanJobSeals', Effect: 'Allow', Principal: { AWS: props.sealerRoleArn }, Action: 'kms:GenerateDataKey', Resource: '*', Condition: condition },
          { Sid: 'ApplyJobOpens', Effect: 'Allow', Principal: { AWS: props.openerRoleArn }, Action: 'kms:Decrypt', Resource: '*', Condition: condition },
        ],
      }),
      ...(props.provider ? { provider: props.provider } : {}),
    });
    this.alias = new KmsAlias(this, 'alias', { name: props.alias, targetKeyId: this.key.keyId, ...(props.provider ? { provider: props.provider } : {}) });
  }
}
