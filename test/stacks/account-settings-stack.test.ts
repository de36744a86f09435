import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdktf';
import { loadEnvironment, parseEnvironment } from '../../src/config/load-environment';
import { ACCOUNT_SETTINGS_STACK, AccountSettingsStack } from '../../src/stacks/account-settings-stack';
import { createGreetingApp } from '../../src/greeting-app';
import { checkout, onlyResource, parse } from '../helpers';

const environment = (fields: Record<string, unknown> = {}) =>
  parseEnvironment('dev', { region: 'eu-west-1', account: { id: '123456789012' }, apiGatewayCloudWatchRole: 'create', ...fields }, 'environments/dev.json');
const synth = (fields?: Record<string, unknown>) => parse(Testing.synth(new AccountSettingsStack(Testing.app(), ACCOUNT_SETTINGS_STACK, { environment: environment(fields) })));

describe('AccountSettingsStack', () => {
  it("sets the account's API Gateway CloudWatch role for the region, with a role named after the region, in a state of its own", () => {
    const tf = synth();
    expect(onlyResource(tf, 'aws_iam_role').name).toBe('api-gateway-cloudwatch-eu-west-1');
    expect(onlyResource(tf, 'aws_api_gateway_account').cloudwatch_role_arn).toMatch(/^\$\{aws_iam_role\.api-gateway-account_role_[0-9A-F]+\.arn\}$/);
    expect(tf.terraform.backend.local.path).toBe('../../../state/dev/account-settings.tfstate');
    expect(tf.provider.aws[0]).toMatchObject({ region: 'eu-west-1', allowed_account_ids: ['123456789012'] });
  });

  it("bounds its role as the environment's iam settings say", () => {
    const boundary = 'arn:aws:iam::123456789012:policy/platform-boundary';
    const role = onlyResource(synth({ iam: { permissionsBoundaryArn: boundary, rolePath: '/platform/' } }), 'aws_iam_role');
    expect(role).toMatchObject({ permissions_boundary: boundary, path: '/platform/' });
  });

  it('is part of the app only where the environment creates the setting, and comes first', () => {
    const dir = checkout();
    const dev = createGreetingApp({ environmentName: 'dev', projectRoot: dir, outdir: `${dir}/cdktf.out` });
    expect(dev.app.node.children.map((stack) => stack.node.id)).toEqual(['account-settings', 'standard', 'premium']);
    // A second environment in staging's account and region, which staging sets the role for.
    const team = { region: 'eu-central-1', account: { id: loadEnvironment('staging', path.join(dir, 'environments')).account.id }, apiGatewayCloudWatchRole: 'existing' };
    fs.writeFileSync(path.join(dir, 'environments', 'team.json'), JSON.stringify(team));
    const teamApp = createGreetingApp({ environmentName: 'team', projectRoot: dir, outdir: `${dir}/cdktf.out` });
    expect(teamApp.accountSettings).toBeUndefined();
    expect(teamApp.app.node.children.map((stack) => stack.node.id)).toEqual(['standard', 'premium']);
  });

  describe("the tiers' dependency on it in cdktf", () => {
    const dependencies = (dir: string, localAwsEndpoint?: string, environmentName = 'dev') =>
      createGreetingApp({ environmentName, projectRoot: dir, outdir: `${dir}/cdktf.out`, localAwsEndpoint }).stacks.map((stack) => stack.dependencies.map((d) => d.node.id));
    const writeState = (file: string, resources: unknown[]) => {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify({ version: 4, resources }));
    };

    it('is there while its local state records nothing (a new account), so cdktf deploys it first or names it, and gone once it is applied', () => {
      const dir = checkout();
      const state = path.join(dir, 'state', 'dev', 'account-settings.tfstate');
      expect(dependencies(dir)).toEqual([['account-settings'], ['account-settings']]);
      writeState(state, [{ mode: 'managed', type: 'aws_iam_role', name: 'role', instances: [] }]);
      expect(dependencies(dir)).toEqual([[], []]); // `cdktf deploy standard premium` works alone
      writeState(state, []); // destroyed
      expect(dependencies(dir)).toEqual([['account-settings'], ['account-settings']]);
    });

    it("reads a local AWS's own state, never the environment's on AWS", () => {
      const dir = checkout();
      writeState(path.join(dir, 'state', 'dev', 'account-settings.tfstate'), [{ type: 'aws_iam_role' }]);
      expect(dependencies(dir, 'http://127.0.0.1:4566')).toEqual([['account-settings'], ['account-settings']]);
      writeState(path.join(dir, 'state', 'local-aws', '4566', 'dev', 'account-settings.tfstate'), [{ type: 'aws_iam_role' }]);
      expect(dependencies(dir, 'http://127.0.0.1:4566')).toEqual([[], []]);
      expect(dependencies(dir, 'http://127.0.0.1:4567')).toEqual([['account-settings'], ['account-settings']]);
      // And writes there: its state is never the environment's.
      const backend = (localAwsEndpoint?: string) =>
        parse(Testing.synth(createGreetingApp({ environmentName: 'dev', projectRoot: dir, outdir: `${dir}/cdktf.out`, localAwsEndpoint }).stacks[0])).terraform.backend.local.path;
      expect([backend(), backend('http://localhost:4566')]).toEqual(['../../../state/dev/standard.tfstate', '../../../state/local-aws/4566/dev/standard.tfstate']);
    });

    it('is never there for state in S3, which synth cannot read: the tiers check for its role at plan', () => {
      expect(dependencies(checkout(), undefined, 'staging')).toEqual([[], []]);
    });
  });
});
