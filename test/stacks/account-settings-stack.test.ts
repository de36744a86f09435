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
    // Tiers do not depend on it in cdktf, so `cdktf deploy standard premium` works as before.
    for (const stack of dev.stacks) expect(stack.dependencies).toEqual([]);
    // A second environment in staging's account and region, which staging sets the role for.
    const team = { region: 'eu-central-1', account: { id: loadEnvironment('staging', path.join(dir, 'environments')).account.id }, apiGatewayCloudWatchRole: 'existing' };
    fs.writeFileSync(path.join(dir, 'environments', 'team.json'), JSON.stringify(team));
    const teamApp = createGreetingApp({ environmentName: 'team', projectRoot: dir, outdir: `${dir}/cdktf.out` });
    expect(teamApp.accountSettings).toBeUndefined();
    expect(teamApp.app.node.children.map((stack) => stack.node.id)).toEqual(['standard', 'premium']);
  });
});
