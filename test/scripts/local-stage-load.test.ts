/**
 * A bounded load on the local stage, loopback only: rounds of requests from 50 connections
 * to a server process of its own. No answer is a 5XX, no request fails, and the server's
 * memory stays flat from round to round.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import autocannon from 'autocannon';
import { PROJECT_ROOT, checkout } from '../helpers';

/** Resident memory of a process, in MB. */
function rssMb(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

describe('the local stage under load', () => {
  let server: ChildProcess;
  let url: string;

  beforeAll(async () => {
    // Throttling at API Gateway's burst ceiling (5,000), so every request reaches the function:
    // the proxy method's half of it (2,500, ProxyApi) holds a round, and refills between rounds.
    const dir = checkout();
    fs.cpSync(path.join(PROJECT_ROOT, 'scripts'), path.join(dir, 'scripts'), { recursive: true });
    const file = path.join(dir, 'environments', 'dev.json');
    const config = JSON.parse(fs.readFileSync(file, 'utf8'));
    config.tiers = Object.fromEntries(['standard', 'premium'].map((tier) => [tier, { throttle: { rateLimit: 5000, burstLimit: 5000 } }]));
    fs.writeFileSync(file, JSON.stringify(config));
    server = spawn(process.execPath, ['--require', 'esbuild-register', 'scripts/serve.ts'], {
      cwd: dir,
      env: { ...process.env, PORT: '0', ENVIRONMENT: 'dev' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout!.on('data', (chunk) => {
        out += chunk;
        const match = /(http:\/\/127\.0\.0\.1:\d+\/test\/hello)/.exec(out);
        if (match) resolve(match[1]);
      });
      server.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
    });
    server.stdout!.resume(); // the function's log lines, unread
  }, 30_000);

  afterAll(async () => {
    // Waited for: a server still exiting when the file ends keeps jest's worker from exiting.
    const exited = new Promise((resolve) => (server.exitCode !== null || server.signalCode !== null ? resolve(undefined) : server.once('exit', resolve)));
    server.kill('SIGKILL');
    await exited;
  });

  it('answers 3 rounds of 2,000 requests over 50 connections with 200s only, no 5XX, no failure and flat memory', async () => {
    const rounds: { ok: number; fiveXx: number; errors: number; rssMb: number }[] = [];
    for (let round = 0; round < 3; round++) {
      // A second for the method's bucket to fill again (2,500 a second): a fast machine's round
      // outruns its rate, and would be answered 429 as API Gateway would.
      if (round) await new Promise((resolve) => setTimeout(resolve, 1000));
      const result = await autocannon({ url: `${url}?name=David`, connections: 50, amount: 2000, timeout: 10 });
      rounds.push({ ok: result['2xx'], fiveXx: result['5xx'], errors: result.errors + result.timeouts, rssMb: rssMb(server.pid!) });
    }
    for (const round of rounds) expect([round.ok, round.fiveXx, round.errors]).toEqual([2000, 0, 0]);
    // After the first round the server is warm: later rounds must not keep growing it.
    expect(rounds[2].rssMb - rounds[0].rssMb).toBeLessThan(25);
  }, 120_000);
});
