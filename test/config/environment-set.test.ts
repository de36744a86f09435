import * as fs from 'fs';
import * as path from 'path';
import { EnvironmentConfig } from '../../src/config/environment-config';
import { environmentSetProblems, loadCheckedEnvironment } from '../../src/config/environment-set';
import { ConfigError, listEnvironments, parseEnvironment } from '../../src/config/load-environment';
import { createGreetingApp } from '../../src/greeting-app';
import { PROJECT_ROOT, makeTempDir } from '../helpers';

const ENVIRONMENTS = path.join(PROJECT_ROOT, 'environments');

/** Fixture environments of three accounts: a sandbox, a staging one, a production one. */
const FIXTURES: Record<string, Record<string, unknown>> = {
  sandbox: { region: 'eu-central-1', account: { id: '111111111111' }, apiGatewayCloudWatchRole: 'create' },
  qa: {
    region: 'eu-central-1',
    account: { id: '222222222222', deployRoleArn: 'arn:aws:iam::222222222222:role/deploy' },
    apiGatewayCloudWatchRole: 'create',
    state: { type: 's3', bucket: 'state-222222222222', keyPrefix: 'app/qa' },
  },
  live: {
    region: 'eu-west-1',
    account: { id: '333333333333', deployRoleArn: 'arn:aws:iam::333333333333:role/deploy' },
    production: true,
    webAcl: true,
    apiGatewayCloudWatchRole: 'create',
    alarms: { snsTopicArn: 'arn:aws:sns:eu-west-1:333333333333:on-call' },
    state: { type: 's3', bucket: 'state-333333333333', keyPrefix: 'app/live' },
  },
};

const environment = (name: string, changes: Record<string, unknown> = {}): EnvironmentConfig =>
  parseEnvironment(name, { ...(FIXTURES[name] ?? FIXTURES.sandbox), ...changes }, `environments/${name}.json`);

/** A project folder whose environments/ holds these files (name → raw JSON). */
function projectWith(files: Record<string, unknown>): string {
  const root = makeTempDir('environment-set-');
  fs.mkdirSync(path.join(root, 'environments'));
  for (const [name, raw] of Object.entries(files)) fs.writeFileSync(path.join(root, 'environments', `${name}.json`), JSON.stringify(raw));
  return root;
}

describe('environments checked together', () => {
  it('accepts the shipped environments together, whichever is selected', () => {
    for (const name of listEnvironments(ENVIRONMENTS)) expect(loadCheckedEnvironment(name, ENVIRONMENTS).name).toBe(name);
  });

  it('accepts environments of their own accounts, states and topics', () => {
    expect(environmentSetProblems([environment('sandbox'), environment('qa'), environment('live')])).toEqual([]);
  });

  it('fails two environments that name the same CI role, which trusts one GitHub environment only', () => {
    const ci = { repository: 'octo-org/app', planRoleArn: 'arn:aws:iam::222222222222:role/plan', applyRoleArn: 'arn:aws:iam::222222222222:role/apply' };
    const qa = environment('qa', { ci });
    const other = environment('other', { ...FIXTURES.qa, apiGatewayCloudWatchRole: 'existing', state: { type: 's3', bucket: 'state-222222222222', keyPrefix: 'app/other' }, ci: { ...ci, planRoleArn: 'arn:aws:iam::222222222222:role/other-plan' } });
    expect(environmentSetProblems([qa, other])).toEqual([
      'environments/qa.json and environments/other.json: qa and other name the same CI role arn:aws:iam::222222222222:role/apply, which trusts one GitHub environment only: ' +
        'the workflows of all but one could not assume it, and whoever plans one could act in the other; give each environment roles of its own',
    ]);
  });

  it("fails a non-production environment in production's account, naming both files and the fix", () => {
    const qa = environment('qa', { account: { id: '333333333333', deployRoleArn: 'arn:aws:iam::333333333333:role/deploy' } });
    expect(environmentSetProblems([environment('live'), qa])).toEqual([
      'environments/live.json and environments/qa.json: account.id "333333333333" is both live\'s, which is production, and qa\'s, which is not: ' +
        'whoever deploys qa could change live; give live an account of its own (and its deploy and CI roles there)',
    ]);
  });

  it("fails a non-production environment whose state is in production's bucket", () => {
    const qa = environment('qa', { state: { type: 's3', bucket: 'state-333333333333', keyPrefix: 'app/qa' } });
    expect(environmentSetProblems([environment('live'), qa])).toEqual([
      'environments/live.json and environments/qa.json: state.bucket "state-333333333333" holds the state of live, which is production, and of qa: ' +
        "whoever deploys qa could rewrite live's state; keep live's state in a bucket of its own account",
    ]);
  });

  it("fails a non-production environment that pages production's on-call", () => {
    const qa = environment('qa', { alarms: { snsTopicArn: 'arn:aws:sns:eu-central-1:333333333333:on-call' } });
    const live = environment('live', { region: 'eu-central-1', alarms: { snsTopicArn: 'arn:aws:sns:eu-central-1:333333333333:on-call' } });
    expect(environmentSetProblems([live, qa])).toEqual([
      'environments/live.json and environments/qa.json: alarms.snsTopicArn "arn:aws:sns:eu-central-1:333333333333:on-call" is live\'s on-call, and qa, which is not production, ' +
        "would page it too; give qa a topic of its own, or leave its alarms.snsTopicArn out",
    ]);
  });

  it('fails two environments whose stacks would write the same state objects', () => {
    const other = environment('other', { ...FIXTURES.qa, apiGatewayCloudWatchRole: 'existing' });
    expect(environmentSetProblems([environment('qa'), other])).toEqual([
      'environments/qa.json and environments/other.json: qa and other keep their state under the same state.bucket and state.keyPrefix (state-222222222222/app/qa), ' +
        'so their stacks would overwrite each other\'s state; give each environment a keyPrefix of its own, such as "hello-world/qa" and "hello-world/other"',
    ]);
  });

  it('fails an account and region where no environment sets the API Gateway role the others rely on', () => {
    expect(environmentSetProblems([environment('sandbox', { apiGatewayCloudWatchRole: 'existing' })])).toEqual([
      'environments/sandbox.json: sandbox says apiGatewayCloudWatchRole "existing", but no environment of account 111111111111 in eu-central-1 says "create", ' +
        'so nothing sets the role its stages need to log; say "create" in one of them (one whose state is in S3)',
    ]);
  });

  it('fails two environments that both create the one API Gateway role of an account and region', () => {
    const other = environment('other', { ...FIXTURES.qa, state: { type: 's3', bucket: 'state-222222222222', keyPrefix: 'app/other' } });
    expect(environmentSetProblems([environment('qa'), other])).toEqual([
      'environments/qa.json and environments/other.json: qa and other both say apiGatewayCloudWatchRole "create" for account 222222222222 in eu-central-1, where there is one such role: ' +
        'the second deploy fails with EntityAlreadyExists, and destroying either takes the role from the other; keep "create" in one (one whose state is in S3) and say "existing" in the rest',
    ]);
  });

  it.each([
    ['in a local file', {}],
    ['in S3 without a lock', { state: { type: 's3', bucket: 'state-111111111111', keyPrefix: 'app/sandbox', useLockfile: false } }],
  ])('fails an environment that sets the account role for others but keeps that state %s', (where, changes) => {
    const shared = { ...FIXTURES.sandbox, apiGatewayCloudWatchRole: 'existing', state: { type: 's3', bucket: 'state-111111111111', keyPrefix: 'app/team' } };
    expect(environmentSetProblems([environment('sandbox', changes), environment('team', shared)])).toEqual([
      `environments/sandbox.json: sandbox sets the API Gateway CloudWatch role of account 111111111111 in eu-central-1 for team too, but keeps that state ${where}: ` +
        "another machine or CI would fail with EntityAlreadyExists, and losing the file orphans the setting; keep sandbox's state in S3 with a lock " +
        '(state {"type": "s3", …, "useLockfile": true}), or say "create" in an environment whose state is',
    ]);
  });

  it('accepts an environment that sets the account role for others from locked S3 state', () => {
    const owner = environment('sandbox', { state: { type: 's3', bucket: 'state-111111111111', keyPrefix: 'app/sandbox' } });
    const team = environment('team', { ...FIXTURES.sandbox, apiGatewayCloudWatchRole: 'existing' });
    expect(environmentSetProblems([owner, team])).toEqual([]);
  });

  it('fails to load any environment of a folder where two could reach each other, naming the other file', () => {
    const root = projectWith({ live: FIXTURES.live, qa: { ...FIXTURES.qa, state: { type: 's3', bucket: 'state-333333333333', keyPrefix: 'app/qa' } }, sandbox: FIXTURES.sandbox });
    const load = () => loadCheckedEnvironment('sandbox', path.join(root, 'environments'));
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/^environments\/ holds environments that could reach each other:\n {2}- environments\/live\.json and environments\/qa\.json: state\.bucket "state-333333333333"/);
  });

  it('fails to synthesize before anything is written while another environment file is invalid or could reach the selected one', () => {
    const root = projectWith({ live: FIXTURES.live, qa: { ...FIXTURES.qa, account: FIXTURES.live.account } });
    const outdir = path.join(root, 'cdktf.out');
    expect(() => createGreetingApp({ environmentName: 'live', projectRoot: root, outdir })).toThrow('account.id "333333333333" is both live\'s');
    fs.writeFileSync(path.join(root, 'environments', 'qa.json'), '{');
    expect(() => createGreetingApp({ environmentName: 'live', projectRoot: root, outdir })).toThrow('environments/qa.json is not valid JSON');
    expect(fs.existsSync(outdir)).toBe(false);
  });
});
