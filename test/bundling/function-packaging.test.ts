/**
 * The two ways the function is packaged (FUNCTION_PACKAGING): the archive provider's
 * `archive_file` at plan (the default) and a zip made at synth. Both deploy the same bundle.
 */
import * as fs from 'fs';
import * as path from 'path';
import { unzipSync } from 'fflate';
import { zipSingleFile } from '../../src/bundling/function-zip';
import { synthSettingsFrom } from '../../src/config/synth-settings';
import { synthesizeGreetingApp } from '../../src/greeting-app';
import { PROJECT_ROOT, checkout, makeTempDir } from '../helpers';

function synth(projectRoot: string, packaging?: 'archive-provider' | 'synth-zip') {
  const outdir = makeTempDir('packaging-');
  const app = synthesizeGreetingApp({ environmentName: 'dev', projectRoot, outdir, packaging });
  const dir = app.stackDirs.standard;
  return { dir, tf: JSON.parse(fs.readFileSync(path.join(dir, 'cdk.tf.json'), 'utf8')) };
}

const fn = (tf: any) => Object.values<any>(tf.resource.aws_lambda_function)[0];

describe('function packaging', () => {
  it('zips the bundle at synth with FUNCTION_PACKAGING=synth-zip: the same file, mode 0644, its hash as source_code_hash, no archive provider', () => {
    const archived = synth(PROJECT_ROOT);
    const zipped = synth(PROJECT_ROOT, 'synth-zip');
    const { source_file: bundle } = Object.values<any>(archived.tf.data.archive_file)[0];
    const zipFile = path.join(zipped.dir, fn(zipped.tf).filename);
    const entries = unzipSync(fs.readFileSync(zipFile));
    // The code deployed is byte for byte the bundle the archive provider zips.
    expect(Object.keys(entries)).toEqual(['index.js']);
    expect(Buffer.from(entries['index.js']).equals(fs.readFileSync(path.join(archived.dir, bundle)))).toBe(true);
    expect(fn(zipped.tf).source_code_hash).toBe(require('crypto').createHash('sha256').update(fs.readFileSync(zipFile)).digest('base64'));
    // Unix mode 0644 in the entry's external attributes (byte 38 of its central directory record).
    const zip = fs.readFileSync(zipFile);
    const central = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    expect((zip.readUInt32LE(central + 38) >>> 16) & 0o777).toBe(0o644);
    expect(zipped.tf.data?.archive_file).toBeUndefined();
    expect(zipped.tf.provider.archive).toBeUndefined();
    expect(zipped.tf.terraform.required_providers.archive).toBeUndefined();
    expect(fs.readFileSync(path.join(zipped.dir, '.terraform.lock.hcl'), 'utf8')).not.toContain('hashicorp/archive');
  });

  it('says in the stack which way the zip was made', () => {
    expect(synth(PROJECT_ROOT).tf.locals.function_packaging).toMatch(/^archive-provider: /);
    expect(synth(PROJECT_ROOT, 'synth-zip').tf.locals.function_packaging).toMatch(/^synth-zip: /);
  });

  it('makes the same zip, with the same hash and file name, in another checkout at another path', () => {
    const here = synth(PROJECT_ROOT, 'synth-zip');
    const there = synth(checkout(), 'synth-zip');
    expect(fn(there.tf).source_code_hash).toBe(fn(here.tf).source_code_hash);
    expect(fn(there.tf).filename).toBe(fn(here.tf).filename);
  });

  it('changes the zip and its hash when the code changes, and only then', () => {
    const dir = makeTempDir('zip-');
    const source = path.join(dir, 'index.js');
    fs.writeFileSync(source, 'exports.helloworld = async () => "a";\n');
    const first = zipSingleFile(source, path.join(dir, 'out', 'function.zip'));
    const again = zipSingleFile(source, path.join(dir, 'out', 'function.zip'));
    fs.writeFileSync(source, 'exports.helloworld = async () => "b";\n');
    const changed = zipSingleFile(source, path.join(dir, 'out', 'function.zip'));
    expect(again.base64Sha256).toBe(first.base64Sha256);
    expect(changed.base64Sha256).not.toBe(first.base64Sha256);
  });
});

describe('synth settings', () => {
  it('defaults to the archive provider, dev and AWS', () => {
    expect(synthSettingsFrom({})).toEqual({ environmentName: 'dev', offlinePlan: false, packaging: 'archive-provider', credentials: 'deploy-role', localAwsEndpoint: undefined });
  });

  it('takes DEPLOY_CREDENTIALS caller (the workflows) or deploy-role, and fails on another, naming the choices', () => {
    expect(synthSettingsFrom({ DEPLOY_CREDENTIALS: 'caller' }).credentials).toBe('caller');
    expect(synthSettingsFrom({ DEPLOY_CREDENTIALS: 'deploy-role' }).credentials).toBe('deploy-role');
    expect(() => synthSettingsFrom({ DEPLOY_CREDENTIALS: 'admin' })).toThrow('DEPLOY_CREDENTIALS="admin" is not a choice of credentials; use deploy-role');
  });

  it('takes a loopback AWS_ENDPOINT_URL as the local AWS, and leaves any other endpoint to AWS', () => {
    expect(synthSettingsFrom({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4566/' }).localAwsEndpoint).toBe('http://127.0.0.1:4566');
    expect(synthSettingsFrom({ AWS_ENDPOINT_URL: 'https://vpce-1.lambda.eu-central-1.vpce.amazonaws.com' }).localAwsEndpoint).toBeUndefined();
  });

  it('fails naming FUNCTION_PACKAGING, its value and the choices', () => {
    expect(() => synthSettingsFrom({ FUNCTION_PACKAGING: 'zip' })).toThrow('FUNCTION_PACKAGING="zip" is not a way to package the function; use archive-provider or synth-zip');
  });

  it('fails on a local AWS_ENDPOINT_URL that is not http://host:port, and on one that is not a URL', () => {
    expect(() => synthSettingsFrom({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4566/${x}' })).toThrow(/AWS_ENDPOINT_URL=.* is not a local AWS endpoint; use http:\/\/<host>:<port>/);
    expect(() => synthSettingsFrom({ AWS_ENDPOINT_URL: '127.0.0.1:4566' })).toThrow(/AWS_ENDPOINT_URL="127.0.0.1:4566" is not a URL/);
  });

  it('fails on an OFFLINE_PLAN that is not 0 or 1', () => {
    expect(() => synthSettingsFrom({ OFFLINE_PLAN: 'yes' })).toThrow('OFFLINE_PLAN="yes" is not 0 or 1');
  });
});
