/** What every part of the local AWS agrees on: moto's version, its services, the test keys. */

/** The moto version the patches in moto_server.py were written against. */
export const EMULATOR_MOTO_VERSION = '5.2.1';

/** The services the stacks (and their S3 state) use; all are served on the emulator's one port. */
export const EMULATED_SERVICES = ['apigateway', 'cloudwatch', 'iam', 'lambda', 'logs', 's3', 'sns', 'sts'] as const;

/** Keys moto accepts; they reach nothing but the emulator. */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'emulator', secretAccessKey: 'emulator' } as const;

/** Settings for an AWS SDK client that talks to the emulator. */
export function emulatorClientConfig(endpoint: string, region: string) {
  return { endpoint, region, credentials: EMULATOR_CREDENTIALS, forcePathStyle: true, maxAttempts: 2 };
}
