import * as path from 'path';
import { Testing } from 'cdktf';
import { EnvironmentConfig } from '../../src/config/environment-config';
import { listEnvironments, loadEnvironment, parseEnvironment } from '../../src/config/load-environment';
import { BOOTSTRAP_STACK, BootstrapStack } from '../../src/stacks/bootstrap-stack';
import { createGreetingApp } from '../../src/greeting-app';
import { PROJECT_ROOT } from '../helpers';
import { policyDocument } from '../security/rules';

const ENVIRONMENTS = path.join(PROJECT_ROOT, 'environments');
const all = listEnvironments(ENVIRONMENTS).map((name) => loadEnvironment(name, ENVIRONMENTS));
const named = (name: string) => all.find((env) => env.name === name)!;
const synth = (environment: EnvironmentConfig, environments: readonly EnvironmentConfig[] = all) =>
  JSON.parse(Testing.synth(new BootstrapStack(Testing.app(), BOOTSTRAP_STACK, { environment, environments })));

describe('BootstrapStack', () => {
  it("creates GitHub Actions' OIDC provider, and the environment's plan and apply roles under the names its ci section gives", () => {
    const tf = synth(named('staging'));
    expect(Object.values(tf.resource.aws_iam_openid_connect_provider)).toEqual([
      expect.objectContaining({ url: 'https://token.actions.githubusercontent.com', client_id_list: ['sts.amazonaws.com'] }),
    ]);
    expect(Object.values<any>(tf.resource.aws_iam_role).map((role) => `${role.path}${role.name}`).sort()).toEqual(['/hello-world-staging-ci-apply', '/hello-world-staging-ci-plan']);
    expect(tf.output).toMatchObject({
      staging_plan_role_arn: { value: expect.stringMatching(/^\$\{aws_iam_role\.[\w-]+\.arn\}$/) },
      staging_apply_role_arn: { value: expect.stringMatching(/^\$\{aws_iam_role\.[\w-]+\.arn\}$/) },
      staging_state_bucket: { value: 'hello-world-terraform-state-234567890123' },
    });
  });

  it('makes the state bucket the file names none of: versioned, encrypted, never public, owner-enforced, TLS only, kept on destroy', () => {
    const tf = synth(named('prod'));
    const bucket = Object.values<any>(tf.resource.aws_s3_bucket)[0];
    expect(bucket).toMatchObject({ bucket: 'hello-world-terraform-state-345678901234', lifecycle: { prevent_destroy: true } });
    // prod keeps its state in eu-central-1 and runs in eu-west-1: the bucket is made in its own region.
    expect(bucket.provider).toBe('aws.eu-central-1');
    expect(Object.values<any>(tf.resource.aws_s3_bucket_versioning)[0].versioning_configuration).toEqual({ status: 'Enabled' });
    expect(Object.values<any>(tf.resource.aws_s3_bucket_server_side_encryption_configuration)[0].rule).toEqual([{ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } }]);
    expect(Object.values<any>(tf.resource.aws_s3_bucket_public_access_block)[0]).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    expect(Object.values<any>(tf.resource.aws_s3_bucket_ownership_controls)[0].rule).toEqual({ object_ownership: 'BucketOwnerEnforced' });
    const policy = policyDocument(Object.values<any>(tf.resource.aws_s3_bucket_policy)[0].policy) as { Statement: any[] };
    expect(policy.Statement).toEqual([expect.objectContaining({ Effect: 'Deny', Principal: '*', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]);
  });

  it('makes no bucket for an environment whose file names its own', () => {
    const staging = parseEnvironment('staging', { ...rawOf('staging'), state: { type: 's3', bucket: 'acme-state', keyPrefix: 'hello-world/staging' } }, 'environments/staging.json');
    expect(synth(staging, [staging]).resource.aws_s3_bucket).toBeUndefined();
  });

  it('seals plans with a rotated key of its own per environment, in its region, named as the plan job names it', () => {
    const tf = synth(named('prod'));
    expect(Object.values<any>(tf.resource.aws_kms_key)[0]).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(Object.values<any>(tf.resource.aws_kms_alias)[0].name).toBe('alias/hello-world-prod-plan-bundles');
  });

  it('runs as the administrator who deploys it, in the account only, with its state in a local file of the project', () => {
    const tf = synth(named('prod'));
    expect(tf.provider.aws[0]).toMatchObject({ region: 'eu-west-1', allowed_account_ids: ['345678901234'] });
    expect(tf.provider.aws[0].assume_role).toBeUndefined();
    expect(tf.terraform.backend).toEqual({ local: { path: '../../../state/bootstrap/345678901234.tfstate' } });
  });

  it('is part of the app only where the environment has a ci section', () => {
    expect(createGreetingApp({ environmentName: 'dev', projectRoot: PROJECT_ROOT, outdir: Testing.app().outdir }).bootstrap).toBeUndefined();
    expect(createGreetingApp({ environmentName: 'staging', projectRoot: PROJECT_ROOT, outdir: Testing.app().outdir }).bootstrap).toBeInstanceOf(BootstrapStack);
  });

  it('fails for an account no environment with a ci section deploys to, saying what to add', () => {
    expect(() => synth(named('dev'))).toThrow(
      'account 123456789012 has no environment with a ci section, so there is nothing to bootstrap; add "ci": {"repository", "planRoleArn", "applyRoleArn"} to environments/dev.json',
    );
  });
});

function rawOf(name: string): Record<string, unknown> {
  return JSON.parse(require('fs').readFileSync(path.join(ENVIRONMENTS, `${name}.json`), 'utf8'));
}
