/**
 * Every `nnlab train` writes a run folder: config.json, metrics.jsonl and metrics.csv (appended
 * as epochs end), model.nnlab, result.json and report.html. A tiny real CLI run on MNIST.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeModelHeader } from '../src/network/model-file.js';
import { RunFolder } from '../src/node/run-folder.js';
import { resolveConfig } from '../src/train/resolve.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'nnlab-runfolder-'));
after(() => rmSync(root, { recursive: true, force: true }));

function nnlab(args: string[], cwd = root): string {
  return execFileSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

test('nnlab train writes a complete run folder and prints the accuracy chart', () => {
  const out = join(root, 'run1');
  const stdout = nnlab(['train', '--train-size', '500', '--validation-size', '1000', '--epochs', '2', '--layers', '784,10,10', '--monitor', 'train-cost,validation-accuracy,validation-cost', '--quiet', '--out', out]);
  assert.match(stdout, /validation accuracy per epoch \(%\)\n/);
  assert.match(stdout, /test accuracy \d+\.\d\d %/);
  for (const f of ['config.json', 'metrics.jsonl', 'metrics.csv', 'model.nnlab', 'result.json', 'report.html']) assert.ok(existsSync(join(out, f)), f);

  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.equal(config.epochs, 2);
  assert.equal(config.data.trainSize, 500);
  const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.epoch), [1, 2]);
  assert.ok(lines.every((l) => typeof l.validationAccuracy === 'number' && typeof l.trainCost === 'number' && l.testAccuracy === null));
  const csv = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'epoch,seconds,learningRate,trainCost,trainAccuracy,validationCost,validationAccuracy,testCost,testAccuracy,averaged');
  assert.equal(csv.length, 3);
  assert.equal(Number(csv[2]!.split(',')[6]), lines[1].validationAccuracy);
  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
  assert.ok(result.testAccuracy > 0.3, `test accuracy ${result.testAccuracy}`);
  const { header } = decodeModelHeader(new Uint8Array(readFileSync(join(out, 'model.nnlab'))), 'model.nnlab');
  assert.deepEqual(header.params.map((p) => p.shape), [[10, 784], [10], [10, 10], [10]]);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.ok(html.length < 2_000_000 && html.includes('id="chart-accuracy"') && html.includes('id="confusion"'));

  // The same --out again is refused: it already holds a run.
  assert.throws(() => nnlab(['train', '--train-size', '100', '--epochs', '1', '--out', out]), /already holds a run/);
});

test('--no-run-folder writes nothing; the default folder goes under ./runs/', () => {
  const cwd = join(root, 'cwd');
  mkdirSync(cwd);
  nnlab(['train', '--train-size', '100', '--validation-size', '500', '--epochs', '1', '--layers', '784,10,10', '--quiet', '--no-run-folder'], cwd);
  assert.deepEqual(readdirSync(cwd), []);
  nnlab(['train', '--train-size', '100', '--validation-size', '500', '--epochs', '1', '--layers', '784,10,10', '--quiet'], cwd);
  const runs = readdirSync(join(cwd, 'runs'));
  assert.equal(runs.length, 1);
  assert.match(runs[0]!, /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d$/);
  assert.ok(existsSync(join(cwd, 'runs', runs[0]!, 'report.html')));
});

test('metrics are on disk as soon as each epoch ends (a crash keeps them)', () => {
  const f = RunFolder.create({ root: join(root, 'crash'), label: 'x' });
  f.start(resolveConfig({}));
  f.appendEpoch({ epoch: 1, seconds: 1, learningRate: 0.5, trainCost: null, trainAccuracy: null, validationCost: 1.5, validationAccuracy: 0.9, testCost: null, testAccuracy: null });
  assert.equal(readFileSync(f.path('metricsJsonl'), 'utf8').trim().split('\n').length, 1);
  assert.equal(readFileSync(f.path('metricsCsv'), 'utf8').trim().split('\n')[1], '1,1,0.5,,,1.5,0.9,,,');
  // With weight averaging each epoch also says how many epochs' weights were averaged, in both files
  // (the CSV had no column for it until 2026-12-06).
  f.appendEpoch({ epoch: 2, seconds: 1, learningRate: 0.5, trainCost: null, trainAccuracy: null, validationCost: 1.4, validationAccuracy: 0.91, testCost: null, testAccuracy: null, averaged: 2 });
  assert.equal(readFileSync(f.path('metricsCsv'), 'utf8').trim().split('\n')[2], '2,1,0.5,,,1.4,0.91,,,2');
  assert.equal(JSON.parse(readFileSync(f.path('metricsJsonl'), 'utf8').trim().split('\n')[1]).averaged, 2);
  // Two folders asked for in the same second do not collide.
  const g = RunFolder.create({ root: join(root, 'crash'), label: 'x' });
  assert.notEqual(f.dir, g.dir);
});

test('a run whose folder was deleted and taken by a new run does not write into the new run\'s metrics', () => {
  // seen 2026-12-04: a training stopped by hand kept appending (by path) to the folder that a new
  // run with the same --out had just created, so the new metrics.jsonl began with a stray epoch
  const dir = join(root, 'taken');
  const old = RunFolder.create({ out: dir });
  old.start(resolveConfig({}));
  rmSync(dir, { recursive: true });
  const fresh = RunFolder.create({ out: dir });
  fresh.start(resolveConfig({}));
  old.appendEpoch({ epoch: 4, seconds: 1, learningRate: 0.5, trainCost: null, trainAccuracy: null, validationCost: 1.5, validationAccuracy: 0.9, testCost: null, testAccuracy: null });
  fresh.appendEpoch({ epoch: 1, seconds: 1, learningRate: 0.5, trainCost: null, trainAccuracy: null, validationCost: 1.5, validationAccuracy: 0.8, testCost: null, testAccuracy: null });
  assert.deepEqual(readFileSync(fresh.path('metricsJsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).epoch), [1]);
  assert.deepEqual(readFileSync(fresh.path('metricsCsv'), 'utf8').trim().split('\n').map((l) => l.split(',')[0]), ['epoch', '1']);
});
