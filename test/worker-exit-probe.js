/**
 * Loaded into each jest worker (NODE_OPTIONS, set by global-setup.ts). When jest ends the
 * worker, it exits once nothing holds it; jest kills it after 500 ms and warns "A worker
 * process has failed to exit gracefully". A worker still there after 400 ms writes what holds
 * it to JEST_WORKER_PROBE_FILE, and global-teardown.ts fails the run naming it.
 * Plain JavaScript: it runs before any transpiler is loaded.
 */
'use strict';
const fs = require('fs');

const file = process.env.JEST_WORKER_PROBE_FILE;
// Not passed on to what the worker starts (npm, cdktf, node scripts): only jest's workers.
process.env.NODE_OPTIONS = process.env.JEST_WORKER_PROBE_SAVED_NODE_OPTIONS || '';
if (!process.env.NODE_OPTIONS) delete process.env.NODE_OPTIONS;

/** jest-worker's message that ends a worker (CHILD_MESSAGE_END, jest-worker/build/types.js). */
const CHILD_MESSAGE_END = 2;

function describeHandle(handle) {
  const name = handle && handle.constructor ? handle.constructor.name : typeof handle;
  if (name === 'ChildProcess') return `child process: ${(handle.spawnargs || []).join(' ').slice(0, 200)}`;
  if (name === 'Server') {
    const address = handle.address && handle.address();
    return `server listening on ${address && typeof address === 'object' ? `${address.address}:${address.port}` : address}`;
  }
  if (name === 'Socket' && handle.remotePort) return `socket ${handle.localPort} → ${handle.remoteAddress}:${handle.remotePort}`;
  return name;
}

if (file && typeof process.send === 'function') {
  const listener = (message) => {
    if (!Array.isArray(message) || message[0] !== CHILD_MESSAGE_END) return;
    process.removeListener('message', listener);
    setTimeout(() => {
      // stdout and stderr are sockets of every worker: not what holds it.
      const held = process._getActiveHandles().filter((handle) => !(handle && (handle.fd === 1 || handle.fd === 2 || (handle._handle && (handle._handle.fd === 1 || handle._handle.fd === 2)))));
      const resources = process.getActiveResourcesInfo();
      fs.appendFileSync(file, `${JSON.stringify({ pid: process.pid, held: held.map(describeHandle), resources })}\n`);
    }, 400).unref();
  };
  process.on('message', listener);
}
