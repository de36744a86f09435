/**
 * `npm run emulator [-- --port N]`
 *
 * Runs the local AWS in the foreground on 127.0.0.1 (a free port, or --port) and prints the
 * lines to paste into another shell, after which the card's own commands (`npx cdktf deploy
 * standard premium`, `npx cdktf diff`, `npm run smoke`, curl of `hello_url`) go to it. Ctrl-C
 * (or SIGTERM, or losing its parent) stops it with everything it started.
 */
import * as path from 'path';
import { parseArgs } from 'util';
import { environmentNameFrom, loadEnvironment } from '../src/config/load-environment';
import { localStateFolder } from '../src/config/synth-settings';
import { emulatorUnavailableReason } from './emulator/aws-emulator';
import { emulatorExports } from './emulator/shell-exports';
import { clearLocalAwsState } from './emulator/local-aws-state';
import { startEmulatorServer, stopOnSignals } from './emulator/server';
import { PROJECT_ROOT } from './lib/project-root';

const USAGE = 'usage: npm run emulator [-- --port <1-65535>]';

export function parseEmulatorArgs(args: string[]): { port: number } {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { port: { type: 'string', short: 'p' } }, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new Error(`${(error as Error).message}; ${USAGE}`);
  }
  if (values.port === undefined) return { port: 0 };
  const port = /^\d+$/.test(values.port) ? Number(values.port) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new Error(`--port ${values.port}: not a port; use a number from 1 to 65535, or leave it out for a free one`);
  return { port };
}

/** Resolves with an exit code when it could not start; once started it runs until a signal stops it. */
async function main(): Promise<number | undefined> {
  const say = (line: string) => process.stderr.write(`${line}\n`);
  let port: number;
  try {
    ({ port } = parseEmulatorArgs(process.argv.slice(2)));
  } catch (error) {
    say(`emulator: ${(error as Error).message}`);
    return 2;
  }
  const missing = emulatorUnavailableReason();
  if (missing) {
    say(`emulator: ${missing}; see docs/local-aws.md`);
    return 1;
  }
  const environment = environmentNameFrom(process.env);
  const { region } = loadEnvironment(environment, path.join(PROJECT_ROOT, 'environments'));
  const server = await startEmulatorServer({ port });
  // What an earlier local AWS on this port recorded went with it (it was stopped without a chance to clear).
  const stale = clearLocalAwsState(PROJECT_ROOT, server.endpoint);
  if (stale.length > 0) say(`emulator: removed the state an earlier local AWS on this port left (${stale.join(', ')}): its resources went with it`);
  stopOnSignals(server, say, false, () => void clearLocalAwsState(PROJECT_ROOT, server.endpoint));
  console.log(`The local AWS answers on ${server.endpoint} (IAM, Lambda, API Gateway, Logs, CloudWatch, SNS, STS, S3, KMS, WAFv2). In another shell:\n`);
  for (const line of emulatorExports(server.endpoint, region, PROJECT_ROOT)) console.log(`  ${line}`);
  console.log(`\nthen, for example:\n`);
  console.log(`  npx cdktf deploy account-settings standard premium --auto-approve`);
  console.log(`  curl "$(cd cdktf.out/stacks/standard && terraform output -raw hello_url)?name=David"`);
  console.log(`  npm run smoke\n\nCtrl-C stops it; its resources and the stacks' state for it (${localStateFolder(server.endpoint)}/) go with it.`);
  return undefined;
}

if (require.main === module) {
  main().then(
    (code) => code !== undefined && process.exit(code),
    (error: Error) => {
      console.error(`emulator: ${error.message}`);
      process.exit(1);
    },
  );
}
