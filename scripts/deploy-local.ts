/**
 * `npm run deploy:local [-- --environment prod]`
 *
 * Deploys the environment's stacks (ENVIRONMENT, default dev) to a throw-away local AWS
 * emulator, in the order `cdktf deploy` uses, prints their outputs, plans every stack again
 * (it must say "no changes"), destroys them in reverse order and prints a timing table. It
 * works in a temporary copy of the app, so this checkout's cdktf.out/ and state/ are never
 * touched, and nothing reaches AWS. Exit 0 when everything deployed, re-planned clean and
 * was destroyed; 1 otherwise; 130 when interrupted.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { parseArgs } from 'util';
import { environmentNameFrom } from '../src/config/load-environment';
import { AwsEmulator, emulatorUnavailableReason, startAwsEmulator } from './emulator/aws-emulator';
import {
  EmulatedEnvironment,
  StackTiming,
  deployEnvironment,
  destroyEnvironment,
  replanEnvironment,
  synthesizeForEmulator,
} from './emulator/emulated-deploy';
import { copyProject } from './lib/project-copy';
import { useProviderMirror } from './air-gapped/provider-mirror';
import { interruptTerraform, runTerraform } from './lib/terraform-run';
import { PROJECT_ROOT } from './lib/project-root';

const USAGE = 'usage: npm run deploy:local [-- --environment <name>]';

export function parseDeployLocalArgs(args: string[], env: NodeJS.ProcessEnv = process.env): { environment: string } {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { environment: { type: 'string', short: 'e' } }, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${USAGE}`);
  }
  return { environment: values.environment ?? environmentNameFrom(env) };
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => (column ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join('  ')).join('\n');
}

async function main(): Promise<number> {
  const { environment } = parseDeployLocalArgs(process.argv.slice(2));
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const missing = spawnSync('terraform', ['version'], { encoding: 'utf8' }).error ? 'terraform is not on PATH' : emulatorUnavailableReason();
  if (missing) {
    say(`deploy:local: ${missing}; see docs/local-aws.md, "Deploying to a local AWS emulator"`);
    return 1;
  }
  const { mirror, localArchive } = useProviderMirror();
  if (localArchive) say(`deploy:local: the provider mirror ${mirror} has no hashicorp/archive: archive_file stands in as the same zip built here`);

  const workDir = copyProject(PROJECT_ROOT, 'deploy-local-');
  let emulator: AwsEmulator | undefined;
  /** Set once a signal asked us to stop: the clean-up under way. */
  let stopping: Promise<void> | undefined;
  const cleanUp = async () => {
    await interruptTerraform();
    await emulator?.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      say(`deploy:local: ${signal}: stopping terraform and the emulator`);
      stopping = cleanUp().then(() => process.exit(130));
    });
  }

  try {
    emulator = await startAwsEmulator();
    say(`deploy:local: emulator on ${emulator.endpoint} (pid ${emulator.pid}), working in ${workDir}`);
    const env: EmulatedEnvironment = await synthesizeForEmulator(workDir, environment, emulator.endpoint, { localArchive });
    const applied = await deployEnvironment(env, say);

    for (const stack of env.stacks) {
      const outputs = JSON.parse((await runTerraform(stack.dir, ['output', '-json'])).stdout || '{}');
      console.log(`${stack.name}:`);
      for (const [name, output] of Object.entries<any>(outputs)) console.log(`  ${name} = ${JSON.stringify(output.value)}`);
    }

    say(`${environment}: planning every stack again`);
    const replans = await replanEnvironment(env);
    const destroyed = await destroyEnvironment(env, say);

    const seconds = (timings: readonly StackTiming[], stack: string) => timings.find((t) => t.stack === stack)?.seconds.toFixed(1) ?? '-';
    console.log('');
    console.log(
      table([
        ['stack', 'apply s', 're-plan s', 'destroy s', 're-plan'],
        ...env.stacks.map((stack) => {
          const replan = replans.find((r) => r.stack === stack.name)!;
          return [stack.name, seconds(applied, stack.name), replan.seconds.toFixed(1), seconds(destroyed, stack.name), replan.clean ? 'no changes' : `${replan.changes.length} CHANGES`];
        }),
      ]),
    );
    const dirty = replans.filter((replan) => !replan.clean);
    for (const replan of dirty) {
      console.log(`\n${replan.stack} does not settle: a plan right after apply still changes`);
      for (const change of replan.changes) console.log(`  ${change.actions.join('+')} ${change.address}`);
    }
    if (dirty.length === 0) console.log(`\n${environment}: every stack deployed, re-planned to no changes and was destroyed.`);
    return dirty.length ? 1 : 0;
  } catch (error) {
    if (stopping) await stopping; // exits 130 once clean
    say(`deploy:local: ${(error as Error).message}`);
    return 1;
  } finally {
    if (!stopping) await cleanUp();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(`deploy:local: ${error.message}`);
      process.exit(1);
    },
  );
}
