/**
 * `npm start [-- --tier premium] [-- --watch]`: serves the bundled handler on
 * http://127.0.0.1:$PORT (default 3000) the way the deployed stage of the environment
 * ENVIRONMENT (default dev) serves it: its stage, greeting and function timeout, the tier's
 * throttling and API key, and API Gateway's payload limits and 29 s integration timeout.
 * With --watch, a change under lambda-src/ is rebuilt and served from the next request on.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { GREETING_VARIABLE } from '../src/rules/defaults';
import { buildHandlerBundle, handlerPaths } from '../src/bundling/handler-bundle';
import { TIERS, Tier } from '../src/config/environment-config';
import { environmentNameFrom, loadEnvironment } from '../src/config/load-environment';
import { createLocalApi } from './local-stage/local-api';
import { PROJECT_ROOT } from './lib/project-root';

const USAGE = 'usage: npm start [-- --tier standard|premium] [--watch]';

export function parseServeArgs(args: string[]): { tier: Tier; watch: boolean } {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { tier: { type: 'string' }, watch: { type: 'boolean' } }, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new Error(`${(error as Error).message}; ${USAGE}`);
  }
  const tier = values.tier ?? 'standard';
  if (!(TIERS as readonly string[]).includes(tier)) throw new Error(`--tier ${tier}: not a tier; use ${TIERS.join(' or ')}`);
  return { tier: tier as Tier, watch: values.watch ?? false };
}

function main(): void {
  const port = Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve: PORT=${JSON.stringify(process.env.PORT)} is not a port; use a whole number from 0 to 65535, such as 3000`);
    process.exit(2);
  }
  const { tier, watch } = parseServeArgs(process.argv.slice(2));
  const environmentName = environmentNameFrom(process.env);
  const environment = loadEnvironment(environmentName, path.join(PROJECT_ROOT, 'environments'));
  const tierConfig = environment.tiers[tier];
  // As deployed: the environment's greeting, unless GREETING is set for this run.
  const greeting = process.env[GREETING_VARIABLE] ?? environment.greeting;
  const apiKey = tierConfig.apiKeyRequired ? randomBytes(20).toString('hex') : undefined;
  const server = createLocalApi({
    stage: environment.stageName,
    handlerFile: buildHandlerBundle(PROJECT_ROOT).file,
    timeoutSeconds: environment.timeoutSeconds,
    memoryMb: tierConfig.memoryMb,
    environment: { [GREETING_VARIABLE]: greeting },
    throttle: tierConfig.throttle,
    apiKey,
  });

  server.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE') {
      console.error(`serve: port ${port} on 127.0.0.1 is in use (another npm start?); stop that, or choose a port with PORT=${port + 1} npm start`);
    } else {
      console.error(`serve: ${error.message}`);
    }
    process.exit(1);
  });
  server.listen(port, '127.0.0.1', () => {
    const { port: bound } = server.address() as { port: number };
    const { rateLimit, burstLimit } = tierConfig.throttle;
    console.log(
      `Serving the ${environmentName} greeting function, ${tier} tier (${tierConfig.memoryMb} MB, ${rateLimit} requests/s, burst ${burstLimit}, ` +
        `${GREETING_VARIABLE}=${greeting}) on http://127.0.0.1:${bound}/${environment.stageName}/hello - try ?name=David. Ctrl-C stops.`,
    );
    if (apiKey) console.log(`This tier requires an API key: send x-api-key: ${apiKey}`);
  });

  if (watch) {
    const { sourceDir } = handlerPaths(PROJECT_ROOT);
    let pending: NodeJS.Timeout | undefined;
    fs.watch(sourceDir, { recursive: true }, () => {
      clearTimeout(pending);
      pending = setTimeout(() => {
        try {
          const bundle = buildHandlerBundle(PROJECT_ROOT);
          if (bundle.rebuilt) {
            server.reload(bundle.file);
            console.log('lambda-src/ changed: the next request runs the new code');
          }
        } catch (error) {
          console.error(`serve: lambda-src/ does not build, still serving the previous code: ${(error as Error).message.split('\n')[0]}`);
        }
      }, 100);
    }).unref();
  }

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close(() => process.exit(0));
    server.closeAllConnections(); // keep-alive clients would hold close() open
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // `npm start` in the background, then npm alone is killed: this process is handed to
  // another parent, and stops rather than hold the port with nobody to stop it.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && stop(), 500).unref();
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    console.error(`serve: ${(error as Error).message}`);
    process.exit(1);
  }
}
