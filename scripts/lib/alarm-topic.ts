/**
 * Whether the alarms' SNS topic can be reached by CloudWatch: an alarm whose topic does not let
 * CloudWatch publish deploys cleanly and pages no one. CloudWatch publishes as the service
 * principal `cloudwatch.amazonaws.com`, so the topic's access policy must allow it
 * `sns:Publish` (Amazon CloudWatch User Guide, "Using Amazon CloudWatch alarms", notifications);
 * a topic encrypted with a KMS key also needs that key's policy to let CloudWatch use it, which
 * AWS's own `alias/aws/sns` key never does (Amazon SNS Developer Guide, "Enable compatibility
 * between event sources from AWS services and encrypted topics",
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
 * Asked, as Terraform acts, by an online `npm run plan` and by `npm run smoke`.
 */
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import type { EnvironmentConfig } from '../../src/config/environment-config';
import type { DeployCredentials } from '../../src/config/synth-settings';
import { environmentCredentials } from './environment-credentials';

const CLOUDWATCH = 'cloudwatch.amazonaws.com';

const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Whether a policy pattern (`*` and `?` wildcards) matches a value, as IAM compares ARNs and actions. */
function matches(pattern: unknown, value: string): boolean {
  if (typeof pattern !== 'string') return false;
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return regex.test(value);
}

/** Whether a statement's principal is CloudWatch's service principal (or everyone). */
function namesCloudWatch(principal: any): boolean {
  if (principal === '*') return true;
  return list(principal?.Service).some((service) => service === CLOUDWATCH) || list(principal?.AWS).some((aws) => aws === '*');
}

/**
 * Whether a statement's conditions let CloudWatch's request through for an alarm `alarmArn`:
 * only the keys CloudWatch sends (aws:SourceAccount, aws:SourceArn) with the String and Arn
 * operators are understood; any other condition is taken not to hold, so the check never says
 * a delivery works that may not.
 */
function conditionsHold(condition: any, alarmArn: string): boolean {
  const context: Record<string, string> = { 'aws:sourceaccount': alarmArn.split(':')[4], 'aws:sourcearn': alarmArn };
  for (const [operator, entries] of Object.entries<any>(condition ?? {})) {
    const like = /^(String|Arn)Like$/.test(operator);
    if (!like && !/^(StringEquals|ArnEquals)$/.test(operator)) return false;
    for (const [key, expected] of Object.entries<any>(entries ?? {})) {
      const actual = context[key.toLowerCase()];
      if (actual === undefined) return false;
      const wanted = list(expected).map(String);
      if (!(like ? wanted.some((pattern) => matches(pattern, actual)) : wanted.includes(actual))) return false;
    }
  }
  return true;
}

/** Whether `policy` lets CloudWatch do every one of `actions` on `resource`, and denies none of them. */
function letsCloudWatch(policy: any, actions: readonly string[], resource: string, alarmArn: string): boolean {
  const statements = list(policy?.Statement) as any[];
  const about = (statement: any, action: string) =>
    namesCloudWatch(statement.Principal) && list(statement.Action).some((pattern) => matches(pattern, action)) && list(statement.Resource ?? '*').some((pattern) => matches(pattern, resource));
  return actions.every(
    (action) =>
      statements.some((statement) => statement.Effect === 'Allow' && about(statement, action) && conditionsHold(statement.Condition, alarmArn)) &&
      !statements.some((statement) => statement.Effect === 'Deny' && about(statement, action) && !statement.Condition),
  );
}

/** The statement to add to a topic's access policy. */
export const topicStatement = (topicArn: string, account: string) => ({
  Sid: 'CloudWatchAlarmsPublish',
  Effect: 'Allow',
  Principal: { Service: CLOUDWATCH },
  Action: 'sns:Publish',
  Resource: topicArn,
  Condition: { StringEquals: { 'aws:SourceAccount': account } },
});

/** The statement to add to the policy of the key that encrypts the topic. */
export const keyStatement = (account: string) => ({
  Sid: 'CloudWatchAlarmsUseKey',
  Effect: 'Allow',
  Principal: { Service: CLOUDWATCH },
  Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
  Resource: '*',
  Condition: { StringEquals: { 'aws:SourceAccount': account } },
});

/** The clients the check asks with, in the environment's region and as Terraform acts there. */
export interface AlarmTopicClients {
  readonly sns: SNSClient;
  readonly kms: KMSClient;
}

/** Why the environment's alarm topic would not receive its alarms, each with the fix; empty when it would, or when there is none. */
export async function alarmTopicProblems(env: Pick<EnvironmentConfig, 'name' | 'namePrefix' | 'region' | 'account' | 'alarms'>, clients: AlarmTopicClients): Promise<string[]> {
  const topicArn = env.alarms.snsTopicArn;
  if (!topicArn) return [];
  const account = env.account.id;
  // One of the environment's alarms, as CloudWatch names it in aws:SourceArn.
  const alarmArn = `arn:aws:cloudwatch:${env.region}:${account}:alarm:${env.namePrefix}-${env.name}-standard-api-5xx`;
  let attributes: Record<string, string>;
  try {
    attributes = (await clients.sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }))).Attributes ?? {};
  } catch (error) {
    if ((error as Error).name === 'NotFoundException' || (error as Error).name === 'NotFound') {
      return [`alarms.snsTopicArn ${topicArn}: there is no such topic in ${env.region}, so ${env.name}'s alarms would notify no one; create it there, or name the topic your on-call reads`];
    }
    throw error;
  }
  const problems: string[] = [];
  if (!letsCloudWatch(JSON.parse(attributes.Policy ?? '{}'), ['sns:Publish'], topicArn, alarmArn)) {
    problems.push(
      `alarms.snsTopicArn ${topicArn}: its access policy does not let CloudWatch publish (${CLOUDWATCH}, sns:Publish), so ${env.name}'s alarms would notify no one; ` +
        `add this statement to the topic's policy: ${JSON.stringify(topicStatement(topicArn, account))}`,
    );
  }
  const keyId = attributes.KmsMasterKeyId;
  if (keyId) {
    if (/(^|:)alias\/aws\/sns$/.test(keyId)) {
      problems.push(
        `alarms.snsTopicArn ${topicArn}: it is encrypted with AWS's own key alias/aws/sns, whose policy CloudWatch may not use and no one can change, so ${env.name}'s alarms would notify no one; ` +
          `encrypt it with a key of yours whose policy holds: ${JSON.stringify(keyStatement(account))}`,
      );
    } else {
      const key = await clients.kms.send(new DescribeKeyCommand({ KeyId: keyId }));
      const keyArn = key.KeyMetadata?.Arn ?? keyId;
      const policy = await clients.kms.send(new GetKeyPolicyCommand({ KeyId: key.KeyMetadata?.KeyId ?? keyId, PolicyName: 'default' }));
      if (!letsCloudWatch(JSON.parse(policy.Policy ?? '{}'), ['kms:Decrypt', 'kms:GenerateDataKey'], keyArn, alarmArn)) {
        problems.push(
          `alarms.snsTopicArn ${topicArn}: it is encrypted with ${keyArn}, whose key policy does not let CloudWatch use it (kms:Decrypt, kms:GenerateDataKey*), so ${env.name}'s alarms would notify no one; ` +
            `add this statement to the key's policy: ${JSON.stringify(keyStatement(account))}`,
        );
      }
    }
  }
  return problems;
}

/** The SNS and KMS clients of the environment's region, acting as Terraform does there. */
export function alarmTopicClients(env: Pick<EnvironmentConfig, 'account' | 'name' | 'namePrefix' | 'region'>, credentials: DeployCredentials = 'deploy-role'): AlarmTopicClients {
  const settings = { region: env.region, ...environmentCredentials(env, 'alarm-topic', credentials) };
  return { sns: new SNSClient(settings), kms: new KMSClient(settings) };
}
