/** What every part of the local AWS agrees on: moto's version, its services, the test keys, how a server says its port. */
import type { ChildProcess } from 'child_process';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';

/** The moto version the patches in moto_server.py were written against. */
export const EMULATOR_MOTO_VERSION = '5.2.1';

/** The services the stacks (and their S3 state) use; all are served on the emulator's one port. */
export const EMULATED_SERVICES = ['apigateway', 'cloudwatch', 'codedeploy', 'iam', 'kms', 'lambda', 'logs', 's3', 'sns', 'sts', 'wafv2'] as const;

/** Keys moto accepts; they reach nothing but the emulator. */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'emulator', secretAccessKey: 'emulator' } as const;

/**
 * Settings for an AWS SDK client that talks to the emulator: in its default account, or as
 * `roleArn` (an environment's deploy role), which acts in the role's account as on AWS.
 */
export function emulatorClientConfig(endpoint: string, region: string, roleArn?: string) {
  const credentials = roleArn
    ? fromTemporaryCredentials({ params: { RoleArn: roleArn, RoleSessionName: 'emulator-client' }, clientConfig: { endpoint, region, credentials: EMULATOR_CREDENTIALS } })
    : EMULATOR_CREDENTIALS;
  return { endpoint, region, credentials, forcePathStyle: true, maxAttempts: 2 };
}

/**
 * The port a server child prints as `listening on <port>` (moto_server.py, server.ts), once it
 * does. Rejects, after `stop`, with `what` and the cause (an exit, a start error, no port in
 * time) and the child's last stderr, as `stderrTail` reads it.
 */
export function listeningPort(
  child: ChildProcess,
  what: string,
  options: { timeoutMs: number; stop: () => Promise<void> | void; stderrTail: () => string },
): Promise<number> {
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      void Promise.resolve(options.stop()).then(() => {
        const stderr = options.stderrTail().trim();
        reject(new Error(`${what} did not start: ${why}${stderr ? `\n${stderr}` : ''}`));
      });
    };
    const timer = setTimeout(() => fail(`no port after ${options.timeoutMs / 1000} s`), options.timeoutMs);
    const exited = (code: number | null) => fail(`exited with ${code}`);
    child.once('error', (error) => fail(error.message));
    child.once('exit', exited);
    let stdout = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const port = /^listening on (\d+)$/m.exec(stdout)?.[1];
      if (!port) return;
      clearTimeout(timer);
      child.off('exit', exited);
      resolve(Number(port));
    });
  });
}
