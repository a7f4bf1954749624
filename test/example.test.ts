import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../src/node/node-flags.js';

// The README's library example (examples/train.ts) must keep running and learning, run as the
// README says (with NODE_FLAGS).
test('the README training script runs and learns', () => {
  const script = fileURLToPath(new URL('../examples/train.js', import.meta.url));
  const r = spawnSync(process.execPath, [...NODE_FLAGS, script], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.filter((l) => /^epoch \d: validation accuracy/.test(l)).length, 3);
  const m = /test accuracy (\d+\.\d+) %$/.exec(lines[lines.length - 1]!);
  assert.ok(m, `last line: ${lines[lines.length - 1]}`);
  assert.ok(Number(m[1]) > 85, `test accuracy ${m[1]} %`);
});

// The README's data-parallel CNN example (examples/train-cnn-two-threads.ts).
test('the two-thread CNN example runs on wasm-dp and learns', () => {
  const script = fileURLToPath(new URL('../examples/train-cnn-two-threads.js', import.meta.url));
  const r = spawnSync(process.execPath, [...NODE_FLAGS, script], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.filter((l) => /^epoch \d: \d+\.\d s, validation accuracy/.test(l)).length, 2);
  const m = /^wasm-dp: test accuracy (\d+\.\d+) %$/.exec(lines[lines.length - 1]!);
  assert.ok(m, `last line: ${lines[lines.length - 1]}`);
  assert.ok(Number(m[1]) > 90, `test accuracy ${m[1]} %`);
});

// The snapshot-ensemble example (examples/snapshot-ensemble.ts): a cosine schedule with restarts, its snapshots' vote.
test('the snapshot-ensemble example keeps one network a cycle and scores their vote', () => {
  const script = fileURLToPath(new URL('../examples/snapshot-ensemble.js', import.meta.url));
  const r = spawnSync(process.execPath, [...NODE_FLAGS, script], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.deepEqual(lines.slice(0, 3).map((l) => /^snapshot (\d) \(epoch (\d)\)/.exec(l)?.slice(1)), [['1', '2'], ['2', '4'], ['3', '6']]);
  const m = /^vote of 3 snapshots: test accuracy (\d+\.\d+) %$/.exec(lines[3] ?? '');
  assert.ok(m, `last line: ${lines[3]}`);
  assert.ok(Number(m[1]) > 90, `test accuracy ${m[1]} %`);
});
