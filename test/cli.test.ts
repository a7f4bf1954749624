/**
 * The built command line, run as a user runs it (`node dist/src/cli/main.js ...`), in a scratch
 * folder. Training runs are tiny (500 images, 1 epoch).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PRESETS } from '../src/train/presets.js';
import { decodeModel, encodeModel } from '../src/network/model-file.js';
import { Network } from '../src/network/network.js';
import { costByName } from '../src/costs/index.js';
import { Rng } from '../src/core/rng.js';
import { encodeIdx } from '../src/data/idx.js';
import { progressListener } from '../src/cli/progress.js';
import { referenceKernels } from '../src/kernels/reference.js';
import { l2 } from '../src/regularizers/index.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const cwd = mkdtempSync(join(tmpdir(), 'nnlab-cli-'));
after(() => rmSync(cwd, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function nnlab(...args: string[]): Run {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8', timeout: 300_000 }); // generous: a loaded 2-core machine can be slow
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A tiny training run's flags. */
const TINY = ['--train-size', '500', '--validation-size', '1000', '--epochs', '1', '--layers', '784,20,10', '--quiet', '--no-run-folder'];

/** Exit non-zero with exactly one line on stderr, matching `pattern`, and no stack trace. */
function failsCleanly(r: Run, pattern: RegExp, code?: number): void {
  assert.notEqual(r.code, 0, `expected failure, got exit 0; stdout: ${r.stdout}`);
  if (code !== undefined) assert.equal(r.code, code);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.ok(lines[0]!.startsWith('nnlab: '), lines[0]);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at |Error:/, 'no stack trace');
}

function lastJson(stdout: string): any {
  const lines = stdout.trimEnd().split('\n');
  return JSON.parse(lines[lines.length - 1]!);
}

test('nnlab --help lists the commands; nnlab train --help lists every flag', () => {
  const top = nnlab('--help');
  assert.equal(top.code, 0);
  for (const c of ['train', 'eval', 'presets']) assert.match(top.stdout, new RegExp(`^  ${c} `, 'm'));
  const r = nnlab('train', '--help');
  assert.equal(r.code, 0);
  assert.equal(r.stderr, '');
  const flags = [
    'preset', 'config', 'data', 'train-size', 'validation-size', 'layers', 'arch', 'activation', 'output', 'dropout', 'dropout-mask', 'cost', 'init',
    'epochs', 'batch-size', 'learning-rate', 'eta', 'lambda', 'l1', 'max-norm', 'optimizer', 'momentum', 'beta1', 'beta2', 'rho', 'epsilon',
    'schedule', 'step-every', 'step-factor', 'plateau-patience', 'plateau-factor', 'final-factor', 'min-factor', 'early-stopping', 'monitor', 'seed', 'save', 'json', 'help',
  ];
  for (const f of flags) assert.match(r.stdout, new RegExp(`--${f}\\b`), `--help lists --${f}`);
  assert.equal(nnlab('eval', '--help').code, 0);
  assert.match(nnlab('eval', '--help').stdout, /--model FILE/);
});

test('bad flags and bad values exit non-zero with one clear line', () => {
  failsCleanly(nnlab('train', '--epochz', '3'), /unknown flag --epochz for 'nnlab train'/);
  failsCleanly(nnlab('train', '--epochs', 'three'), /--epochs: expected an integer, got "three"/);
  failsCleanly(nnlab('train', '--eta', '0.1x'), /--eta: expected a number, got "0.1x"/);
  failsCleanly(nnlab('train', '--batch-size'), /--batch-size needs a value/);
  failsCleanly(nnlab('train', '--epochs', '0'), /config field 'epochs': expected an integer >= 1, got 0/);
  failsCleanly(nnlab('train', '--eta', '-1'), /config field 'learningRate': expected a number > 0, got -1/);
  failsCleanly(nnlab('train', '--cost', 'hinge'), /--cost: expected one of quadratic, cross-entropy, log-likelihood, got "hinge"/);
  failsCleanly(nnlab('train', '--optimizer', 'lbfgs'), /--optimizer: expected one of sgd/);
  failsCleanly(nnlab('train', '--dropout', '1.5'), /--dropout: expected a probability in \[0, 1\), got 1.5/);
  failsCleanly(nnlab('train', '--arch', 'dense ten'), /network\.layers.*'ten'/);
  failsCleanly(nnlab('train', '--monitor', 'train-loss'), /--monitor: unknown monitor "train-loss"/);
  failsCleanly(nnlab('train', '--json=maybe'), /--json: expected true or false, got "maybe"/);
  failsCleanly(nnlab('eval'), /nnlab eval needs --model FILE/);
  const unknown = nnlab('frobnicate');
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /^nnlab: unknown command "frobnicate"/);
});

test('an unknown preset, a bad --config file, a missing --data folder are refused clearly', () => {
  failsCleanly(nnlab('train', '--preset', 'b99'), /unknown preset "b99"; known presets: a1, /);
  writeFileSync(join(cwd, 'broken.json'), '{"epochs": 2, }');
  failsCleanly(nnlab('train', '--config', 'broken.json'), /broken\.json: not valid JSON/);
  writeFileSync(join(cwd, 'wrong.json'), JSON.stringify({ epochs: 2, batchsize: 10 }));
  failsCleanly(nnlab('train', '--config', 'wrong.json'), /config field 'batchsize': expected a known field/);
  failsCleanly(nnlab('train', '--config', 'nope.json'), /nope\.json: cannot read config file: no such file or folder \(ENOENT\)/);
  failsCleanly(nnlab('train', '--data', join(cwd, 'no-such-folder')), /no-such-folder: no such data folder/);
  failsCleanly(nnlab('train', '--train-size', '60000'), /train size 60000 is larger than the 50000 training examples left after 10000 validation examples/);
  failsCleanly(nnlab('eval', '--model', 'missing.nnlab'), /missing\.nnlab: cannot read network file: no such file or folder \(ENOENT\)/);
  mkdirSync(join(cwd, 'folder.nnlab'), { recursive: true });
  failsCleanly(nnlab('eval', '--model', 'folder.nnlab'), /folder\.nnlab: cannot read network file: it is a folder, not a file \(EISDIR\)/);
});

test('--layers whose sizes do not fit the data are refused', () => {
  failsCleanly(nnlab('train', '--layers', '100,30,10', '--train-size', '500', '--no-run-folder'), /--layers: the first size is the input layer, 100, but the data has 784 inputs per example/);
  failsCleanly(nnlab('train', '--layers', '784,30,5', '--train-size', '500', '--no-run-folder'), /a last layer with 10 outputs \(the data has 10 classes: its training labels run 0\.\.9\).*5 outputs/);
  failsCleanly(nnlab('train', '--layers', '784'), /--layers: expected at least two positive integers/);
});

test('eval --data: data of another shape or with more classes than the network has outputs is refused', () => {
  const net = new Network({ inputShape: [1, 28, 28], layers: [{ type: 'dense', units: 10, activation: 'softmax' }], cost: costByName('log-likelihood'), init: 'default', kernels: referenceKernels, rng: new Rng(1) });
  writeFileSync(join(cwd, 'fresh.nnlab'), encodeModel(net));
  const folder = (name: string, side: number, trainLabels: number[], testLabels: number[]) => {
    const d = join(cwd, name);
    mkdirSync(d);
    const img = (n: number) => encodeIdx([n, side, side], new Uint8Array(n * side * side).fill(7));
    writeFileSync(join(d, 'train-images-idx3-ubyte'), img(trainLabels.length));
    writeFileSync(join(d, 'train-labels-idx1-ubyte'), encodeIdx([trainLabels.length], Uint8Array.from(trainLabels)));
    writeFileSync(join(d, 't10k-images-idx3-ubyte'), img(testLabels.length));
    writeFileSync(join(d, 't10k-labels-idx1-ubyte'), encodeIdx([testLabels.length], Uint8Array.from(testLabels)));
    return d;
  };
  const twelve = folder('twelve-classes', 28, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [11, 3, 10]);
  failsCleanly(nnlab('eval', '--model', 'fresh.nnlab', '--data', twelve), /fresh\.nnlab: the network has 10 outputs, the data in .*twelve-classes has 12 classes/);
  const small = folder('small-images', 8, [0, 1, 2], [1, 2]);
  failsCleanly(nnlab('eval', '--model', 'fresh.nnlab', '--data', small), /the network takes inputs of shape 1x28x28, the test data has 1x8x8/);
  const ok = nnlab('eval', '--model', 'fresh.nnlab', '--data', folder('three-classes', 28, [0, 1, 2, 0], [2, 1]), '--json');
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(lastJson(ok.stdout).count, 2);
});

test('nnlab presets lists the presets one a line with their REFERENCE row', () => {
  const r = nnlab('presets');
  assert.equal(r.code, 0);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, PRESETS.length);
  PRESETS.forEach((p, i) => {
    const cols = lines[i]!.trim().split(/\s+/);
    assert.equal(cols[0], p.name);
    assert.equal(cols[1], p.row);
  });
  assert.ok(lines.some((l) => /^b6\s+B6\s/.test(l)));
});

test("train: 'auto' trains a convolutional network data-parallel at mini-batch 10 on two cores, and records the build", () => {
  const r = nnlab('train', '--train-size', '200', '--validation-size', '100', '--epochs', '1', '--arch', 'conv 4x5x5 relu, maxpool 2, softmax 10', '--cost', 'log-likelihood', '--quiet', '--no-run-folder', '--json');
  assert.equal(r.code, 0, r.stderr);
  const j = lastJson(r.stdout);
  assert.equal(j.config.batchSize, 10);
  assert.equal(j.backend, availableParallelism() >= 2 ? 'wasm-dp' : 'wasm');
  assert.equal(typeof j.fma, 'boolean');
  assert.equal('fma' in j.config, false, 'the default config has no fma field (earlier runs\' configs still compare equal)');
  // --no-fma: the build without fused multiply-adds, recorded in the config
  const r2 = nnlab('train', '--train-size', '200', '--validation-size', '100', '--epochs', '1', '--layers', '784,20,10', '--quiet', '--no-run-folder', '--json', '--no-fma');
  assert.equal(r2.code, 0, r2.stderr);
  const j2 = lastJson(r2.stdout);
  assert.equal(j2.fma, false);
  assert.equal(j2.config.fma, false);
});

test('reproduce --json: stdout is one JSON object, the mean and spread of the seeds\' book-style scores', () => {
  const r = nnlab('reproduce', 'b6', '--seeds', '2', '--jobs', '1', '--json', '--', '--train-size', '300', '--validation-size', '500', '--epochs', '1', '--no-run-folder');
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout); // nothing else on stdout (until 2026-12-06 a summary line came first)
  assert.equal(j.preset, 'b6');
  assert.deepEqual(j.runs.map((x: { seed: number }) => x.seed), [1, 2]);
  assert.equal(j.scores.length, 2);
  assert.ok(j.scores.every((v: number) => v > 0.3 && v <= 1), `scores ${j.scores}`);
  assert.ok(Math.abs(j.mean - (j.scores[0] + j.scores[1]) / 2) < 1e-12);
  assert.ok(Math.abs(j.sd - Math.abs(j.scores[0] - j.scores[1]) / Math.SQRT2) < 1e-12, 'sample standard deviation');
});

test('train --json: stdout is one JSON object describing the run; --save then eval --model reproduces the test accuracy', () => {
  const r = nnlab('train', ...TINY, '--json', '--save', 'tiny.nnlab', '--seed', '3');
  assert.equal(r.code, 0, r.stderr);
  // nothing but the object (until 2026-12-06 the chart and summary came first, so `> run.json` was not JSON)
  const j = JSON.parse(r.stdout);
  for (const k of ['config', 'testAccuracy', 'testCost', 'bestValidationAccuracy', 'bestEpoch', 'seconds', 'backend', 'epochs']) assert.ok(k in j, `--json has ${k}`);
  assert.equal(j.config.seed, 3);
  assert.equal(j.config.backend, 'auto');
  assert.equal(j.backend, availableParallelism() >= 2 ? 'wasm-threads' : 'wasm', "the run records the backend 'auto' chose");
  assert.equal(j.config.data.trainSize, 500);
  assert.deepEqual(j.config.network.layers, [{ type: 'dense', units: 20, activation: 'sigmoid' }, { type: 'dense', units: 10, activation: 'sigmoid' }]);
  assert.ok(j.testAccuracy > 0.5 && j.testAccuracy <= 1, `test accuracy is a fraction: ${j.testAccuracy}`);
  assert.ok(Number.isFinite(j.testCost));
  assert.equal(j.bestEpoch, 1);
  assert.ok(j.bestValidationAccuracy > 0.5 && j.bestValidationAccuracy <= 1);
  assert.ok(j.seconds > 0);
  assert.equal(j.epochs.length, 1);
  const e = j.epochs[0];
  for (const k of ['epoch', 'seconds', 'learningRate', 'trainCost', 'trainAccuracy', 'validationCost', 'validationAccuracy']) assert.ok(k in e, `epoch record has ${k}`);
  assert.equal(e.epoch, 1);
  assert.equal(e.learningRate, 0.5);
  assert.equal(e.trainCost, null, 'a monitor that is off gives null');
  assert.equal(e.trainAccuracy, null);
  assert.ok(e.validationAccuracy > 0.5 && e.validationAccuracy <= 1);
  assert.ok(Number.isFinite(e.validationCost));
  assert.match(r.stderr, /saved tiny\.nnlab/);

  const ev = nnlab('eval', '--model', 'tiny.nnlab', '--json');
  assert.equal(ev.code, 0, ev.stderr);
  const ej = lastJson(ev.stdout);
  assert.equal(ej.testAccuracy, j.testAccuracy, 'eval reproduces the test accuracy of the saved (best) weights');
  assert.equal(ej.count, 10000);
  // the run's test cost adds the L2 penalty (λ/2n) Σ w² (λ = 5, n = 500) to eval's C₀
  const saved = decodeModel(readFileSync(join(cwd, 'tiny.nnlab')), referenceKernels, 'tiny.nnlab').network;
  const penalty = l2(5).penalty(saved.params(), 500);
  assert.ok(Math.abs(ej.testCost + penalty - j.testCost) < 1e-6 * j.testCost, `test cost ${ej.testCost} + penalty ${penalty} vs the run's ${j.testCost}`);
  const plain = nnlab('eval', '--model', 'tiny.nnlab');
  assert.match(plain.stdout, new RegExp(`test accuracy ${(100 * j.testAccuracy).toFixed(2)} %`));

  // all monitors on: every field is a number
  const all = lastJson(nnlab('train', ...TINY, '--json', '--monitor', 'all').stdout);
  for (const v of Object.values(all.epochs[0])) assert.equal(typeof v, 'number');
});

test('a corrupted or truncated network file is refused with a clear message', () => {
  const r = nnlab('train', ...TINY, '--save', 'good.nnlab');
  assert.equal(r.code, 0, r.stderr);
  const bytes = readFileSync(join(cwd, 'good.nnlab'));
  const flipped = Buffer.from(bytes);
  flipped[flipped.length - 5]! ^= 0x40;
  writeFileSync(join(cwd, 'flipped.nnlab'), flipped);
  failsCleanly(nnlab('eval', '--model', 'flipped.nnlab'), /flipped\.nnlab: corrupt network file: the weights' checksum does not match/);
  writeFileSync(join(cwd, 'cut.nnlab'), bytes.subarray(0, bytes.length - 1000));
  failsCleanly(nnlab('eval', '--model', 'cut.nnlab'), /cut\.nnlab: not a valid nnlab network file: .*truncated/);
  writeFileSync(join(cwd, 'text.nnlab'), 'hello, I am not a network');
  failsCleanly(nnlab('eval', '--model', 'text.nnlab'), /text\.nnlab: not a valid nnlab network file: wrong magic/);
  // --save into a missing folder is refused before training, and leaves nothing behind
  const bad = nnlab('train', ...TINY, '--save', join('no-such-dir', 'x.nnlab'));
  failsCleanly(bad, /--save no-such-dir\/x\.nnlab: the folder no-such-dir does not exist/);
  assert.ok(!readdirSync(cwd).some((f) => f.includes('.tmp')), 'no temporary file left');
});

test('--config FILE with flags overriding it', () => {
  writeFileSync(
    join(cwd, 'run.json'),
    JSON.stringify({ epochs: 1, learningRate: 0.1, batchSize: 20, cost: 'log-likelihood', network: { layers: 'dense 15 tanh, softmax 10' }, data: { trainSize: 500, validationSize: 1000 } }),
  );
  const r = nnlab('train', '--config', 'run.json', '--eta', '0.2', '--seed', '5', '--json', '--quiet', '--no-run-folder');
  assert.equal(r.code, 0, r.stderr);
  const c = lastJson(r.stdout).config;
  assert.equal(c.learningRate, 0.2, 'the flag overrides the file');
  assert.equal(c.batchSize, 20, 'the file overrides the defaults');
  assert.equal(c.cost, 'log-likelihood');
  assert.equal(c.seed, 5);
  assert.deepEqual(c.network.layers, [{ type: 'dense', units: 15, activation: 'tanh' }, { type: 'dense', units: 10, activation: 'softmax' }]);
});

test('divergence stops the run with a message naming the epoch and the learning rate, exit code 3', () => {
  // A linear output with the quadratic cost and η = 5 blows up within the first epoch.
  const r = nnlab('train', ...TINY, '--output', 'identity', '--cost', 'quadratic', '--eta', '5', '--epochs', '3', '--json');
  assert.equal(r.code, 3, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^nnlab: training diverged in epoch 1, mini-batch \d+ of 50: the cost became (NaN|Infinity)/);
  assert.match(lines[0]!, /learning rate \(η = 5\) is probably too high/);
  const j = lastJson(r.stdout);
  assert.match(j.diverged, /diverged in epoch 1/);
  assert.equal(j.epochs.length, 0);
  assert.ok(Number.isFinite(j.testAccuracy), 'the last good weights are kept and scored');
});

test('weights that blow up in an epoch\'s last mini-batch are caught at the end of that epoch', () => {
  // One mini-batch per epoch: its cost is computed before the update, so only a check of the
  // weights after the epoch sees that the update made them NaN/infinite.
  const r = nnlab('train', '--train-size', '10', '--batch-size', '10', '--validation-size', '100', '--epochs', '4', '--layers', '784,10',
    '--output', 'identity', '--cost', 'quadratic', '--eta', '1e20', '--monitor', 'all', '--json', '--quiet', '--no-run-folder', '--save', 'blown.nnlab');
  assert.equal(r.code, 3, r.stderr);
  const j = lastJson(r.stdout);
  assert.match(j.diverged, /diverged in epoch 2/);
  assert.equal(j.epochs.length, 1);
  for (const e of j.epochs) for (const [k, v] of Object.entries(e)) assert.equal(typeof v, 'number', `epoch ${e.epoch} ${k} is ${v}: a NaN cost was recorded as an epoch`);
  const saved = decodeModel(readFileSync(join(cwd, 'blown.nnlab')), referenceKernels, 'blown.nnlab').network;
  for (const p of saved.params()) assert.ok(p.value.every(Number.isFinite), `saved ${p.name} holds NaN or infinite weights`);
});

test('progress: one plain line per epoch on stderr when it is not a terminal, results on stdout', () => {
  const r = nnlab('train', '--train-size', '500', '--validation-size', '1000', '--epochs', '2', '--layers', '784,20,10', '--no-run-folder');
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 2, r.stderr);
  assert.match(lines[0]!, /^epoch 1\/2 .*eta 0\.5 .*validation \d+\.\d+ \d+\.\d+%/);
  assert.match(lines[1]!, /^epoch 2\/2 /);
  assert.doesNotMatch(r.stderr, /\r/, 'no carriage returns off a terminal');
  assert.match(r.stdout, /^test accuracy \d+\.\d+ %/m);
  assert.doesNotMatch(r.stdout, /^epoch /m);
});

test('cosine schedule from the command line: η falls each epoch, printed to 4 significant digits (it was printed in full)', () => {
  const r = nnlab('train', '--train-size', '300', '--validation-size', '500', '--epochs', '4', '--layers', '784,10,10', '--schedule', 'cosine', '--final-factor', '0.1', '--no-run-folder', '--json');
  assert.equal(r.code, 0, r.stderr);
  const etas = r.stderr.trimEnd().split('\n').map((l) => /eta (\S+)/.exec(l)?.[1]);
  assert.deepEqual(etas, ['0.5', '0.4341', '0.275', '0.1159']);
  const j = JSON.parse(r.stdout.trimEnd().split('\n').pop()!);
  assert.deepEqual(j.config.schedule, { type: 'cosine', final: 0.1 });
  assert.ok(Math.abs(j.epochs[1].learningRate - 0.5 * (0.1 + 0.45 * (1 + Math.SQRT1_2))) < 1e-12, 'the record keeps η exactly');
  assert.match(nnlab('train', '--final-factor', '0.1', '--no-run-folder').stderr, /--final-factor needs --schedule cosine/);
});

test('cosine restarts from the command line: --cycles sets the epochs, each cycle ends in snapshot-K.nnlab, and the snapshots vote', () => {
  const r = nnlab('train', '--train-size', '300', '--validation-size', '500', '--layers', '784,10,10', '--schedule', 'cosine', '--final-factor', '0.1', '--cycles', '2,1,1', '--restart-factor', '0.5', '--out', 'snap-run');
  assert.equal(r.code, 0, r.stderr);
  const etas = r.stderr.split('\n').filter((l) => l.startsWith('epoch ')).map((l) => /eta (\S+)/.exec(l)?.[1]);
  assert.deepEqual(etas, ['0.5', '0.275', '0.25', '0.25'], '4 epochs (2 + 1 + 1), each later cycle from 0.5 · 0.5');
  for (const k of [1, 2, 3]) assert.match(r.stderr, new RegExp(`^snapshot ${k} \\(end of cycle ${k}, epoch ${[2, 3, 4][k - 1]}\\): snap-run/snapshot-${k}\\.nnlab$`, 'm'));
  const files = readdirSync(join(cwd, 'snap-run'));
  assert.deepEqual(files.filter((f) => f.startsWith('snapshot-')).sort(), ['snapshot-1.nnlab', 'snapshot-2.nnlab', 'snapshot-3.nnlab']);
  const config = JSON.parse(readFileSync(join(cwd, 'snap-run', 'config.json'), 'utf8'));
  assert.deepEqual(config.schedule, { type: 'cosine', final: 0.1, cycles: [2, 1, 1], restart: 0.5 });
  assert.equal(config.epochs, 4);
  const v = nnlab('ensemble', '--json', ...[1, 2, 3].flatMap((k) => ['--model', `snap-run/snapshot-${k}.nnlab`]));
  assert.equal(v.code, 0, v.stderr);
  const j = JSON.parse(v.stdout);
  assert.equal(j.models.length, 3);
  assert.ok(j.voteAccuracy > 0.3, `the snapshots vote: ${j.voteAccuracy}`);
  // without --schedule, laid onto a preset's cosine schedule (c8-distort's); a constant one refuses them
  const onto = nnlab('train', '--preset', 'c8-distort', '--cycles', '1,1', '--train-size', '50', '--validation-size', '50', '--monitor', 'none', '--no-run-folder', '--quiet', '--json');
  assert.equal(onto.code, 0, onto.stderr);
  const ontoRun = JSON.parse(onto.stdout);
  assert.deepEqual(ontoRun.config.schedule, { type: 'cosine', final: 0.02, cycles: [1, 1] });
  assert.equal(ontoRun.epochs.length, 2);
  assert.match(onto.stderr, /--no-run-folder: the snapshots at the end of each cycle are not saved/);
  const constant = nnlab('train', '--preset', 'c4', '--cycles', '1,1', '--no-run-folder', '--train-size', '100');
  assert.match(constant.stderr, /schedule.cycles': expected schedule.type "cosine" .*this one is "constant": on the command line, add --schedule cosine/);
  assert.match(nnlab('train', '--cycles', '2,x', '--no-run-folder').stderr, /--cycles: expected epoch counts .* got "x"/);
  assert.match(nnlab('train', '--schedule', 'step', '--cycles', '2,1', '--no-run-folder').stderr, /--cycles needs --schedule cosine/);
  assert.match(nnlab('train', '--restart-factor', '0.5', '--no-run-folder').stderr, /--restart-factor needs --cycles/);
  assert.match(nnlab('train', '--schedule', 'cosine', '--cycles', '2,1', '--epochs', '5', '--no-run-folder').stderr, /'schedule.cycles': expected cycle lengths adding up to the run's 5 epochs, got "2,1 \(3 epochs\)"/);
});

test('a network left at chance level is warned about once (the cost stays finite, so nothing else says so); a learning one is not', () => {
  const flags = ['--train-size', '300', '--validation-size', '500', '--arch', 'dense 20 relu, softmax 10', '--cost', 'log-likelihood', '--no-run-folder', '--quiet', '--json'];
  // Adam with η = 1e9 (an audit's finding: it ended with a huge finite cost and exit 0, without a word)
  const thrown = nnlab('train', ...flags, '--epochs', '4', '--optimizer', 'adam', '--eta', '1e9');
  assert.equal(thrown.code, 0, thrown.stderr);
  const warnings = thrown.stderr.split('\n').filter((l) => l.includes('warning'));
  assert.equal(warnings.length, 1, thrown.stderr);
  assert.match(warnings[0]!, /^nnlab: warning: validation accuracy \d+\.\d\d % at epoch [34], no better than guessing among 10 classes: .*η = 1000000000/);
  const fine = nnlab('train', ...flags, '--epochs', '3', '--eta', '0.1');
  assert.equal(fine.code, 0, fine.stderr);
  assert.doesNotMatch(fine.stderr, /warning/);
  assert.ok(JSON.parse(fine.stdout).epochs[2].validationAccuracy > 0.5);
});

test('progress: on a terminal, a bar redrawn within the epoch, then the epoch line', () => {
  const out: string[] = [];
  const l = progressListener({ write: (s: string) => out.push(s), isTTY: true, columns: 100 }, 3);
  for (let b = 1; b <= 5; b++) l.onBatch!(1, b, 5, 0.5);
  void l.onEpoch!({ epoch: 1, seconds: 1.5, learningRate: 0.1, trainCost: null, trainAccuracy: null, validationCost: 0.25, validationAccuracy: 0.9, testCost: null, testAccuracy: null });
  assert.ok(out.length >= 2);
  assert.match(out[0]!, /^\r\x1b\[2Kepoch 1\/3 \[#+\.*\] 20%/);
  assert.match(out[out.length - 2]!, /\[#{30}\] 100%/, 'the last batch always redraws');
  assert.match(out[out.length - 1]!, /^\r\x1b\[2Kepoch 1\/3 .*validation 0\.2500 90\.00%\n$/);
  const quiet: string[] = [];
  const q = progressListener({ write: (s: string) => quiet.push(s), isTTY: true }, 3, true);
  q.onBatch!(1, 1, 5, 0.5);
  void q.onEpoch!({ epoch: 1, seconds: 1, learningRate: 0.1, trainCost: null, trainAccuracy: null, validationCost: null, validationAccuracy: null, testCost: null, testAccuracy: null });
  assert.deepEqual(quiet, [], '--quiet writes nothing');
});

test('ensemble --model: each member scored as eval scores it, and their vote', () => {
  const validation: number[] = [];
  for (const s of ['1', '2']) {
    const t = nnlab('train', ...TINY, '--seed', s, '--save', `ens${s}.nnlab`, '--json');
    assert.equal(t.code, 0, t.stderr);
    validation.push(lastJson(t.stdout).epochs[0].validationAccuracy);
  }
  const r = nnlab('ensemble', '--model', 'ens1.nnlab', '--model', 'ens2.nnlab', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^scored 1\/2 ens1\.nnlab on the test images \([0-9.]+ s\)\nscored 2\/2 ens2\.nnlab/, 'progress on stderr, one line a member');
  const j = lastJson(r.stdout);
  assert.equal(j.count, 10000);
  for (const [i, f] of ['ens1.nnlab', 'ens2.nnlab'].entries()) assert.equal(j.models[i].testAccuracy, lastJson(nnlab('eval', '--model', f, '--json').stdout).testAccuracy, f);
  assert.equal(j.voteErrors.length, 10000 - j.voteCorrect);
  assert.ok(j.voteAccuracy > 0.5 && j.meanAccuracy > 0.5, `vote ${j.voteAccuracy}, mean ${j.meanAccuracy}`);
  // --split validation: the training file's last images, each member as its run measured them
  const v = lastJson(nnlab('ensemble', '--model', 'ens1.nnlab', '--model', 'ens2.nnlab', '--split', 'validation', '--validation-size', '1000', '--json').stdout);
  assert.equal(v.split, 'validation');
  assert.equal(v.count, 1000);
  assert.deepEqual(v.models.map((m: { validationAccuracy: number }) => m.validationAccuracy), validation);
  assert.equal(j.split, 'test');
  // --tta: the scores without the views are the plain run's; with them, each member's answers change
  const t = lastJson(nnlab('ensemble', '--model', 'ens1.nnlab', '--model', 'ens2.nnlab', '--tta', 'shift4', '--json').stdout);
  assert.equal(t.tta, 'shift4');
  const { tta: plainTta, ...plainRecord } = j;
  assert.equal(plainTta, 'none');
  assert.deepEqual(t.withoutTta, plainRecord);
  assert.notDeepEqual(t.models, j.models, 'the views change the members\' scores');
  const e = lastJson(nnlab('eval', '--model', 'ens1.nnlab', '--tta', 'shift4', '--json').stdout);
  assert.equal(e.testAccuracy, t.models[0].testAccuracy, 'eval --tta scores a network as the ensemble does');
  assert.equal(e.withoutTta.testAccuracy, j.models[0].testAccuracy);
  assert.match(nnlab('eval', '--model', 'ens1.nnlab', '--tta', 'shift4').stdout, /^test accuracy [0-9.]+ % \(\d+ \/ 10000\) with test-time views shift4 \(the mean of the outputs on 5 views of each image\); without: [0-9.]+ %/);
  failsCleanly(nnlab('eval', '--model', 'ens1.nnlab', '--tta', 'shift2'), /--tta: expected one of none, shift4, shift8, got "shift2"/);
  const text = nnlab('ensemble', '--model', 'ens1.nnlab', '--model', 'ens2.nnlab', '--tta', 'shift8');
  assert.match(text.stdout, /^test-time views: shift8, the mean of each network's outputs on 9 views of each image\n/);
  assert.match(text.stdout, /plurality vote of 2: [0-9.]+ % \(\d+ \/ 10000, \d+ errors\); without test-time views [0-9.]+ %/);
  failsCleanly(nnlab('ensemble', '--model', 'ens1.nnlab', '--tta', 'flip'), /--tta: expected one of none, shift4, shift8, got "flip"/);
  failsCleanly(nnlab('ensemble', '--model', 'ens1.nnlab', '--split', 'train'), /--split: expected test or validation, got "train"/);
  failsCleanly(nnlab('ensemble', '--model', 'ens1.nnlab', '--validation-size', '100'), /--validation-size needs --split validation/);
  failsCleanly(nnlab('ensemble'), /needs --model FILE at least once.*or --preset NAME/);
  failsCleanly(nnlab('ensemble', '--model', 'ens1.nnlab', '--', '--epochs', '2'), /train flags after -- need --preset/);
  failsCleanly(nnlab('ensemble', '--model', 'ens1.nnlab', '--members', '3'), /--members needs --preset/);
});

test('ensemble --preset trains the members, records them, reuses them, and refuses members trained otherwise', () => {
  const flags = ['--', '--train-size', '300', '--validation-size', '1000', '--epochs', '1'];
  const first = nnlab('ensemble', '--preset', 'c1', '--members', '2', '--dir', 'ens', '--json', ...flags);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /member 1\/2: training --preset c1 --seed 1 --train-size 300/);
  assert.match(first.stderr, /member 2\/2: test \d+\.\d\d %, best validation \d+\.\d\d % at epoch 1/);
  assert.match(first.stderr, /^member 1\/2: epoch 1\/1 .*validation/m, "each member's epochs, marked with the member");
  const j = lastJson(first.stdout);
  assert.deepEqual(j.models.map((m: { model: string }) => m.model), [join('ens', 'net1.nnlab'), join('ens', 'net2.nnlab')]);
  // the members are the networks `train --preset c1 --seed K` makes, and their vote is what --model scores
  const byHand = lastJson(nnlab('ensemble', '--model', join('ens', 'net1.nnlab'), '--model', join('ens', 'net2.nnlab'), '--json').stdout);
  assert.equal(byHand.voteCorrect, j.voteCorrect);
  assert.equal(byHand.meanCorrect, j.meanCorrect);
  const rec = JSON.parse(readFileSync(join(cwd, 'ens', 'ensemble.json'), 'utf8'));
  assert.equal(rec.preset, 'c1');
  assert.deepEqual(rec.trainFlags, flags.slice(1));
  assert.equal(rec.voteCorrect, j.voteCorrect);
  assert.equal(rec.members.length, 2);
  assert.equal(JSON.parse(readFileSync(join(cwd, 'ens', 'run2', 'config.json'), 'utf8')).seed, 2, 'each member has its run folder');
  // one more member: the first two are reused, not retrained
  const more = nnlab('ensemble', '--preset', 'c1', '--members', '3', '--dir', 'ens', '--quiet', ...flags);
  assert.equal(more.code, 0, more.stderr);
  assert.match(more.stderr, /member 1\/3: reusing/);
  assert.match(more.stderr, /member 2\/3: reusing/);
  assert.match(more.stderr, /member 3\/3: training/);
  assert.doesNotMatch(more.stderr, /epoch 1\/1/, '--quiet: no per-epoch lines');
  assert.match(more.stdout, /plurality vote of 3: \d+\.\d\d %/);
  // a member made with other flags is not mixed in silently
  failsCleanly(nnlab('ensemble', '--preset', 'c1', '--members', '2', '--dir', 'ens', '--', '--train-size', '300', '--validation-size', '1000', '--epochs', '2'), /net1\.nnlab was trained with epochs = 1, this ensemble asks for 2/);
  // bad train flags fail before anything trains
  failsCleanly(nnlab('ensemble', '--preset', 'c1', '--dir', 'ens-bad', '--', '--epochs', 'many'), /--epochs/);
  assert.throws(() => readdirSync(join(cwd, 'ens-bad')), /ENOENT/);
  failsCleanly(nnlab('ensemble', '--preset', 'nope'), /unknown preset "nope"/);
  failsCleanly(nnlab('ensemble', '--preset', 'c1', '--members', '0'), /--members: expected at least 1, got 0/);
  failsCleanly(nnlab('ensemble', '--preset', 'c1', '--model', 'ens1.nnlab'), /either --preset .* or --model/);
});

test('ensemble --preset with a restarting schedule: one network by default, its snapshots vote, reused whole or not at all', () => {
  const flags = ['--', '--train-size', '300', '--validation-size', '1000', '--schedule', 'cosine', '--cycles', '1,1,1'];
  const first = nnlab('ensemble', '--preset', 'c1', '--dir', 'ens-snap', '--json', ...flags);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /member 1\/1: training --preset c1 --seed 1/);
  const j = lastJson(first.stdout);
  const snaps = [1, 2, 3].map((k) => join('ens-snap', 'run1', `snapshot-${k}.nnlab`));
  assert.deepEqual(j.models.map((m: { model: string }) => m.model), snaps);
  const byHand = lastJson(nnlab('ensemble', ...snaps.flatMap((f) => ['--model', f]), '--json').stdout);
  assert.equal(byHand.voteCorrect, j.voteCorrect);
  const again = nnlab('ensemble', '--preset', 'c1', '--dir', 'ens-snap', '--json', ...flags);
  assert.match(again.stderr, /member 1\/1: reusing/);
  assert.equal(lastJson(again.stdout).voteCorrect, j.voteCorrect);
  rmSync(join(cwd, snaps[1]!));
  failsCleanly(nnlab('ensemble', '--preset', 'c1', '--dir', 'ens-snap', ...flags), /net1\.nnlab is there but its snapshot .*snapshot-2\.nnlab is not/);
});

test('ensemble --preset: an interrupted member is trained again, flags the ensemble sets are refused after --, a failing member stops the rest', () => {
  const flags = ['--', '--train-size', '300', '--validation-size', '1000', '--epochs', '1'];
  // a member stopped halfway leaves a run folder and no network
  mkdirSync(join(cwd, 'ens-int', 'run1'), { recursive: true });
  writeFileSync(join(cwd, 'ens-int', 'run1', 'metrics.csv'), 'epoch\n');
  const r = nnlab('ensemble', '--preset', 'c1', '--members', '1', '--dir', 'ens-int', '--quiet', ...flags);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /run1 holds an unfinished run, moved to .*run1\.interrupted-/);
  assert.ok(readdirSync(join(cwd, 'ens-int')).some((f) => f.startsWith('run1.interrupted-')), 'the unfinished folder is kept aside');
  assert.ok(readdirSync(join(cwd, 'ens-int', 'run1')).includes('config.json'), 'and the member has a fresh run folder');
  // --seed after -- would make every member the same network
  failsCleanly(nnlab('ensemble', '--preset', 'c1', '--dir', 'ens-own', '--', '--seed', '7'), /--seed cannot follow --/);
  failsCleanly(nnlab('ensemble', '--preset', 'c1', '--dir', 'ens-own', '--', '--out=x'), /--out cannot follow --/);
  failsCleanly(nnlab('ensemble', '--preset', 'c1', '--dir', 'ens-own', '--data', 'a', '--', '--data', 'b'), /give --data once/);
  // a member that fails: its own message, and no later member starts
  const bad = nnlab('ensemble', '--preset', 'c1', '--members', '3', '--jobs', '1', '--dir', 'ens-fail', '--quiet', ...flags, '--data', join(cwd, 'no-such-folder'));
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^nnlab: ensemble member 1 \(nnlab train .*\) failed: .*no-such-folder/m);
  assert.doesNotMatch(bad.stderr, /member 2\/3: training/);
});

test('bad inputs found by an audit: too large a network, --save a folder, a diverged first epoch', () => {
  // an oversized layer was a RangeError with a stack trace (its size wrapped at 2³² bytes)
  const noLayers = TINY.filter((a, i) => a !== '--layers' && TINY[i - 1] !== '--layers');
  failsCleanly(nnlab('train', ...noLayers, '--arch', 'dense 3000000, softmax 10', '--backend', 'wasm'), /out of WebAssembly memory: 2,352,000,000 floats \(8972 MiB\) asked.*too large a network or mini-batch/, 2);
  failsCleanly(nnlab('train', ...noLayers, '--layers', '784,99999999999,10', '--backend', 'reference'), /out of memory: 78,399,999,999,216 floats asked/, 2);
  // --save naming a folder was found out only after training, and the network lost
  mkdirSync(join(cwd, 'a-folder.nnlab'), { recursive: true });
  failsCleanly(nnlab('train', ...TINY, '--save', 'a-folder.nnlab'), /--save a-folder.nnlab: that names a folder; give a file name/, 2);
  failsCleanly(nnlab('train', ...TINY, '--save', 'new-folder/'), /that names a folder/, 2);
  // --out naming a file: expand crashed with a stack trace (EEXIST from mkdir), train gave the bare errno
  writeFileSync(join(cwd, 'a-file'), 'x');
  failsCleanly(nnlab('expand', '--shifts', '--out', 'a-file', '--validation-size', '500'), /--out a-file: is a file, not a folder/, 2);
  failsCleanly(nnlab('train', ...TINY.filter((a) => a !== '--no-run-folder'), '--out', 'a-file'), /--out: a-file is a file, not a folder; choose another --out/, 2);
  // a run that diverges in epoch 1 no longer replaces a saved network with its initial weights
  assert.equal(nnlab('train', ...TINY, '--save', 'keep.nnlab').code, 0);
  const before = readFileSync(join(cwd, 'keep.nnlab'));
  const r = nnlab('train', ...TINY, '--eta', '1e9', '--save', 'keep.nnlab');
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /nnlab: not saved to keep.nnlab: no epoch finished/);
  assert.deepEqual(readFileSync(join(cwd, 'keep.nnlab')), before);
  // a huge λ was blamed on the learning rate
  const l = nnlab('train', ...TINY, '--lambda', '1e9');
  assert.equal(l.code, 3, l.stderr);
  assert.match(l.stderr, /L2's decay factor 1 − ηλ\/n is -1\.00e\+6 \(η = 0\.5, λ = 1000000000\): ηλ\/n must stay under 1; try a smaller --lambda/);
  assert.doesNotMatch(l.stderr, /learning rate/);
});
