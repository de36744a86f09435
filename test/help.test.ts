import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { PROJECT_ROOT } from './helpers';

describe('help', () => {
  it('runs as ./help and prints the commands, without its own shell lines', () => {
    const run = spawnSync(path.join(PROJECT_ROOT, 'help'), { cwd: PROJECT_ROOT, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n')[0]).toMatch(/^=+$/);
    expect(run.stdout).toContain('npm run plan -- --drift');
    expect(run.stdout).not.toContain('#!/bin/sh');
    // What it prints is the file as read, below its three shell lines.
    expect(run.stdout).toBe(fs.readFileSync(path.join(PROJECT_ROOT, 'help'), 'utf8').split('\n').slice(3).join('\n'));
  });
});
