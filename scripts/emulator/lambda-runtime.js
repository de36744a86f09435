// @ts-check
/**
 * One execution environment of the emulator's Lambda (lambda-service.ts starts it with the
 * local `node`): loads the function's handler from its unzipped code, then runs one
 * invocation at a time, as Lambda does. Invocations arrive on stdin and results leave on fd 3,
 * one JSON line each; stdout and stderr are the function's logs, as on Lambda, written the way
 * Lambda's Node.js runtime writes them for the function's log format and application log level.
 *   lambda-runtime.js <code dir> <handler, e.g. index.helloworld>
 */
const fs = require('fs');
const path = require('path');
const readline = require('readline');
const { format } = require('util');

const [codeDir, handlerName] = process.argv.slice(2);
const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
const json = process.env.AWS_LAMBDA_LOG_FORMAT === 'JSON';
const minimum = LEVELS.indexOf((process.env.AWS_LAMBDA_LOG_LEVEL || 'TRACE').toUpperCase());
let requestId = 'init';

/** The runtime's console: one log record per call, tagged with the request. */
for (const [method, level] of [['trace', 'TRACE'], ['debug', 'DEBUG'], ['log', 'INFO'], ['info', 'INFO'], ['warn', 'WARN'], ['error', 'ERROR']]) {
  // @ts-ignore: replacing the console's methods is what Lambda's runtime does too
  console[method] = (...parts) => {
    if (json && LEVELS.indexOf(level) < minimum) return;
    const message = format(...parts);
    const timestamp = new Date().toISOString();
    const line = json ? JSON.stringify({ timestamp, level, requestId, message }) : `${timestamp}\t${requestId}\t${level}\t${message}`;
    fs.writeSync(1, `${line.replace(/\n/g, '\r')}\n`);
  };
}

function send(message) {
  fs.writeSync(3, `${JSON.stringify(message)}\n`);
}

function errorShape(error) {
  const shaped = error instanceof Error ? error : new Error(String(error));
  return { errorType: shaped.name || 'Error', errorMessage: shaped.message, trace: String(shaped.stack || '').split('\n') };
}

let handler;
try {
  const dot = handlerName.lastIndexOf('.');
  const module = require(path.join(codeDir, handlerName.slice(0, dot)));
  handler = module[handlerName.slice(dot + 1)];
  if (typeof handler !== 'function') throw Object.assign(new Error(`${handlerName} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
} catch (error) {
  const shaped = errorShape(error);
  if (error && /** @type {any} */ (error).code === 'MODULE_NOT_FOUND') shaped.errorType = 'Runtime.ImportModuleError';
  send({ init: shaped });
  process.exit(1);
}
send({ init: 'ready' });

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const { id, event, deadline, context } = JSON.parse(line);
  requestId = id;
  const lambdaContext = { ...context, awsRequestId: id, getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()), callbackWaitsForEmptyEventLoop: true };
  Promise.resolve()
    .then(() => handler(JSON.parse(event), lambdaContext))
    .then(
      (result) => send({ id, result: JSON.stringify(result === undefined ? null : result) }),
      (error) => {
        const shaped = errorShape(error);
        console.error(`Invoke Error \t${JSON.stringify(shaped)}`);
        send({ id, error: shaped });
      },
    );
});
// The emulator closed our stdin: it is stopping, or it is gone.
lines.on('close', () => process.exit(0));
