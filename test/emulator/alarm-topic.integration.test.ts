/**
 * The alarm topic check against the local AWS (its SNS topic attributes and KMS key policies):
 * a missing topic, a topic whose policy does not let CloudWatch publish, a topic encrypted with
 * AWS's own key or with a key whose policy does not let CloudWatch use it are each refused with
 * the statement to add; a topic set up as AWS documents passes. Only the emulator runs here.
 */
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateTopicCommand, SNSClient, SetTopicAttributesCommand } from '@aws-sdk/client-sns';
import { AwsEmulator, emulatorClientConfig, emulatorUnavailableReason, startAwsEmulator } from '../../scripts/emulator/aws-emulator';
import { alarmTopicProblems, keyStatement, topicStatement } from '../../scripts/lib/alarm-topic';

const skipReason = process.env.TEST_UNIT === '1' ? 'TEST_UNIT=1 (npm run test:unit): no emulator' : emulatorUnavailableReason();
const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';

(skipReason ? describe.skip : describe)('whether CloudWatch may publish to the alarm topic, asked of the local AWS', () => {
  let emulator: AwsEmulator;
  let sns: SNSClient;
  let kms: KMSClient;
  const env = (snsTopicArn?: string) => ({ name: 'prod', namePrefix: 'hello-world', region: REGION, account: { id: ACCOUNT }, alarms: { snsTopicArn } }) as any;
  const problemsOf = (topicArn?: string) => alarmTopicProblems(env(topicArn), { sns, kms });
  const rootPolicy = { Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' };

  /** A topic with `statements` as its policy, encrypted with `keyId` where given. */
  const topic = async (name: string, statements: object[], keyId?: string) => {
    const arn = (await sns.send(new CreateTopicCommand({ Name: name, ...(keyId ? { Attributes: { KmsMasterKeyId: keyId } } : {}) }))).TopicArn!;
    await sns.send(new SetTopicAttributesCommand({ TopicArn: arn, AttributeName: 'Policy', AttributeValue: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }));
    return arn;
  };
  const key = async (statements: object[]) => (await kms.send(new CreateKeyCommand({ Policy: JSON.stringify({ Version: '2012-10-17', Statement: [rootPolicy, ...statements] }) }))).KeyMetadata!.Arn!;

  beforeAll(async () => {
    emulator = await startAwsEmulator();
    sns = new SNSClient(emulatorClientConfig(emulator.endpoint, REGION));
    kms = new KMSClient(emulatorClientConfig(emulator.endpoint, REGION));
  }, 60_000);
  afterAll(() => emulator?.stop());

  it('passes a topic that lets CloudWatch publish from this account, encrypted with a key that lets CloudWatch use it, and an environment without a topic', async () => {
    const arn = `arn:aws:sns:${REGION}:${ACCOUNT}:on-call`;
    await topic('on-call', [topicStatement(arn, ACCOUNT)], await key([keyStatement(ACCOUNT)]));
    expect(await problemsOf(arn)).toEqual([]);
    expect(await problemsOf(undefined)).toEqual([]);
  });

  it('fails a topic that does not exist, naming it and the region', async () => {
    const arn = `arn:aws:sns:${REGION}:${ACCOUNT}:nobody`;
    expect(await problemsOf(arn)).toEqual([`alarms.snsTopicArn ${arn}: there is no such topic in ${REGION}, so prod's alarms would notify no one; create it there, or name the topic your on-call reads`]);
  });

  it("fails a topic whose policy lets only the account's owner publish, or CloudWatch for another account, giving the statement to add", async () => {
    for (const [name, statement] of [
      ['owner-only', { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'SNS:Publish', Resource: '*' }],
      ['other-account', { ...topicStatement(`arn:aws:sns:${REGION}:${ACCOUNT}:other-account`, ACCOUNT), Condition: { StringEquals: { 'aws:SourceAccount': '999999999999' } } }],
    ] as const) {
      const arn = await topic(name, [statement]);
      expect(await problemsOf(arn)).toEqual([
        `alarms.snsTopicArn ${arn}: its access policy does not let CloudWatch publish (cloudwatch.amazonaws.com, sns:Publish), so prod's alarms would notify no one; add this statement to the topic's policy: ${JSON.stringify(topicStatement(arn, ACCOUNT))}`,
      ]);
    }
  });

  it("fails a topic encrypted with AWS's own SNS key, or with a key whose policy does not let CloudWatch use it, giving the statement to add", async () => {
    const aws = `arn:aws:sns:${REGION}:${ACCOUNT}:aws-key`;
    await topic('aws-key', [topicStatement(aws, ACCOUNT)], 'alias/aws/sns');
    expect(await problemsOf(aws)).toEqual([expect.stringContaining(`it is encrypted with AWS's own key alias/aws/sns, whose policy CloudWatch may not use`)]);
    const keyArn = await key([]);
    const ours = `arn:aws:sns:${REGION}:${ACCOUNT}:own-key`;
    await topic('own-key', [topicStatement(ours, ACCOUNT)], keyArn);
    expect(await problemsOf(ours)).toEqual([
      `alarms.snsTopicArn ${ours}: it is encrypted with ${keyArn}, whose key policy does not let CloudWatch use it (kms:Decrypt, kms:GenerateDataKey*), so prod's alarms would notify no one; add this statement to the key's policy: ${JSON.stringify(keyStatement(ACCOUNT))}`,
    ]);
  });
});
