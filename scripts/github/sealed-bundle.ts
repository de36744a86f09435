/**
 * Saved plans sealed for the apply role. A saved plan holds the state it was planned against
 * (Terraform: "saved plan files … contain … any sensitive values"), API key values included, and
 * a workflow's artifacts are readable by whoever can read the repository's Actions. So the plan
 * job encrypts each `<stack>.tfplan` before upload, with a data key from KMS (envelope
 * encryption: AWS KMS developer guide, "Data keys") under the environment's plan-bundle key,
 * whose key policy lets the plan role encrypt and only the apply role decrypt (the bootstrap
 * stack). The encryption context names the environment and the file, so a sealed plan opens
 * only as what it was sealed as.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';

export const SEALED_SUFFIX = '.sealed';
const FORMAT = 1;

/** What a sealed plan file holds (JSON): the data key as KMS encrypted it, and the plan under it. */
interface Sealed {
  readonly format: number;
  readonly algorithm: 'AES-256-GCM';
  /** The KMS key that encrypted the data key (its ARN, as GenerateDataKey answered). */
  readonly keyId: string;
  readonly encryptedDataKey: string;
  readonly iv: string;
  readonly tag: string;
  readonly ciphertext: string;
}

/** The encryption context of one sealed file: KMS binds the data key to it, and the key policy conditions on the environment. */
export const sealContext = (environment: string, file: string) => ({ 'greeting-service:environment': environment, 'greeting-service:file': file });

const plansIn = (dir: string, suffix: string) =>
  fs
    .readdirSync(dir)
    .filter((file) => file.endsWith(suffix))
    .sort();

/**
 * Encrypts every `<stack>.tfplan` of a bundle into `<stack>.tfplan.sealed` and removes the plain
 * file. `keyId` is the environment's plan-bundle key (its alias).
 */
export async function sealBundle(kms: KMSClient, bundleDir: string, environment: string, keyId: string): Promise<string[]> {
  const sealed: string[] = [];
  for (const file of plansIn(bundleDir, '.tfplan')) {
    const context = sealContext(environment, file);
    const key = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: context }));
    if (!key.Plaintext || !key.CiphertextBlob || !key.KeyId) throw new Error(`KMS GenerateDataKey with ${keyId} answered no data key`);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(key.Plaintext), iv);
    cipher.setAAD(Buffer.from(JSON.stringify(context)));
    const ciphertext = Buffer.concat([cipher.update(fs.readFileSync(path.join(bundleDir, file))), cipher.final()]);
    const body: Sealed = {
      format: FORMAT,
      algorithm: 'AES-256-GCM',
      keyId: key.KeyId,
      encryptedDataKey: Buffer.from(key.CiphertextBlob).toString('base64'),
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ciphertext: ciphertext.toString('base64'),
    };
    key.Plaintext.fill(0);
    fs.writeFileSync(path.join(bundleDir, `${file}${SEALED_SUFFIX}`), JSON.stringify(body));
    fs.rmSync(path.join(bundleDir, file));
    sealed.push(file);
  }
  return sealed;
}

/**
 * Decrypts every `<stack>.tfplan.sealed` of a downloaded bundle back into `<stack>.tfplan`.
 * Refuses a bundle that holds a plan unsealed (its state was readable by anyone who could
 * download it) or one sealed under another key or as another file, before writing anything.
 */
export async function unsealBundle(kms: KMSClient, bundleDir: string, environment: string, keyId: string): Promise<string[]> {
  const plain = plansIn(bundleDir, '.tfplan');
  if (plain.length) {
    throw new Error(
      `the bundle holds ${plain.join(', ')} unsealed: a saved plan carries the state, secrets included, so the plan job seals it for the apply role ` +
        `(npm run github -- seal-bundle) before upload; treat what it holds as exposed, and plan again`,
    );
  }
  const opened: [string, Buffer][] = [];
  for (const file of plansIn(bundleDir, `.tfplan${SEALED_SUFFIX}`)) {
    const name = file.slice(0, -SEALED_SUFFIX.length);
    const context = sealContext(environment, name);
    let body: Sealed;
    try {
      body = JSON.parse(fs.readFileSync(path.join(bundleDir, file), 'utf8'));
    } catch (error) {
      throw new Error(`${file} is not a sealed plan (${(error as Error).message})`);
    }
    if (body.format !== FORMAT || body.algorithm !== 'AES-256-GCM') throw new Error(`${file} is sealed as format ${JSON.stringify(body.format)} ${JSON.stringify(body.algorithm)}; this checkout opens format ${FORMAT} AES-256-GCM`);
    // KeyId: KMS refuses a data key that another key encrypted (Decrypt, "KeyId").
    const key = await kms.send(new DecryptCommand({ CiphertextBlob: Buffer.from(body.encryptedDataKey, 'base64'), EncryptionContext: context, KeyId: keyId })).catch((error: Error) => {
      throw new Error(`KMS would not open ${file} with ${keyId} as ${environment}'s ${name} (${error.name}: ${error.message}); only the apply role may, and only a plan sealed for this environment`);
    });
    if (!key.Plaintext) throw new Error(`KMS Decrypt of ${file} answered no data key`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', Buffer.from(key.Plaintext), Buffer.from(body.iv, 'base64'));
      decipher.setAAD(Buffer.from(JSON.stringify(context)));
      decipher.setAuthTag(Buffer.from(body.tag, 'base64'));
      opened.push([name, Buffer.concat([decipher.update(Buffer.from(body.ciphertext, 'base64')), decipher.final()])]);
    } catch (error) {
      throw new Error(`${file} does not open (${(error as Error).message}): it was altered after it was sealed`);
    } finally {
      key.Plaintext.fill(0);
    }
  }
  for (const [name, bytes] of opened) {
    fs.writeFileSync(path.join(bundleDir, name), bytes);
    fs.rmSync(path.join(bundleDir, `${name}${SEALED_SUFFIX}`));
  }
  return opened.map(([name]) => name);
}
