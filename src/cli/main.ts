#!/usr/bin/env node
/**
 * `nnlab`: starts the command line (`cli.ts`) in a Node process that has `NODE_FLAGS` (see
 * `node-flags.ts`: without them Node 20 can hang at the end of a run). Started without them, as
 * `nnlab` or `node dist/src/cli/main.js` are, it runs itself again as a child with them, sharing the
 * terminal, passing on SIGINT / SIGTERM / SIGHUP and ending as the child ends.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { missingNodeFlags } from '../node/node-flags.js';

const missing = missingNodeFlags();
if (missing.length === 0) {
  await import('./cli.js');
} else {
  const args = [...missing, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)];
  const child = spawn(process.execPath, args, { stdio: 'inherit' });
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const forward = (s: NodeJS.Signals) => child.kill(s);
  for (const s of signals) process.on(s, forward);
  child.on('error', (e) => {
    process.stderr.write(`nnlab: cannot start ${process.execPath}: ${e.message}\n`);
    process.exitCode = 1;
  });
  child.on('exit', (code, signal) => {
    for (const s of signals) process.off(s, forward);
    if (signal) process.kill(process.pid, signal); // end the way the child ended
    else process.exitCode = code ?? 1;
  });
}
