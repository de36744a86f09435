// @ts-check
/**
 * Run by `npm run bench` in a plain Node.js process of its own (no TypeScript hook, which
 * would count its own start-up as load time), with stdout sent to /dev/null so the
 * handler's log line costs what a write costs, not what a terminal costs.
 *   handler-timing.js load <bundle>                       → {"loadMs"}
 *   handler-timing.js invoke <bundle> <calls> <event>...  → {"calls","p50Us","p99Us","maxUs"}
 * Results go to stderr as one JSON line.
 */
const fs = require('fs');

async function main() {
  const [mode, bundle, callsText, ...eventFiles] = process.argv.slice(2);
  const loadStart = process.hrtime.bigint();
  const { helloworld } = require(bundle);
  const loadMs = Number(process.hrtime.bigint() - loadStart) / 1e6;
  if (mode === 'load') {
    process.stderr.write(`${JSON.stringify({ loadMs })}\n`);
    return;
  }
  const calls = Number(callsText);
  const events = eventFiles.map((file) => JSON.parse(fs.readFileSync(file, 'utf8')));
  const context = { awsRequestId: 'bench' };
  for (let i = 0; i < 2000; i++) await helloworld(events[i % events.length], context); // warm-up, not counted
  const samples = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const event = events[i % events.length];
    const start = process.hrtime.bigint();
    await helloworld(event, context);
    samples[i] = Number(process.hrtime.bigint() - start) / 1e3;
  }
  samples.sort();
  const at = (/** @type {number} */ q) => samples[Math.min(calls - 1, Math.floor(q * calls))];
  process.stderr.write(`${JSON.stringify({ calls, p50Us: at(0.5), p99Us: at(0.99), maxUs: samples[calls - 1] })}\n`);
}

void main();
