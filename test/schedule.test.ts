/**
 * Learning-rate schedules (step, the book's plateau rule) and early stopping, alone and inside
 * the trainer; early stopping keeps the best weights.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceKernels as K } from '../src/kernels/reference.js';
import { Rng } from '../src/core/rng.js';
import { loadSplits } from '../src/node/data.js';
import { subset, type Splits } from '../src/data/dataset.js';
import { resolveConfig } from '../src/train/resolve.js';
import { scheduleFor } from '../src/train/schedule.js';
import { EarlyStopping } from '../src/train/early-stopping.js';
import { buildNetwork, train } from '../src/train/trainer.js';
import { Evaluator } from '../src/train/evaluate.js';
import type { PartialRunConfig } from '../src/core/config.js';

const full = loadSplits({ source: 'mnist', trainSize: 300, validationSize: 10000, augment: '' });
const data: Splits = { ...full, validation: subset(full.validation, 0, 500), test: subset(full.test, 0, 500) };

const small: PartialRunConfig = {
  network: { layers: [{ type: 'dense', units: 20, activation: 'sigmoid' }, { type: 'dense', units: 10, activation: 'softmax' }], init: 'default' },
  cost: 'log-likelihood',
  batchSize: 10,
  regularization: { l2: 0 },
  data: { trainSize: 300, validationSize: 500 },
};

// ---- the rules alone --------------------------------------------------------------------------

test('constant schedule: η never changes', () => {
  const s = scheduleFor({ type: 'constant' }, 0.3);
  for (let e = 1; e <= 5; e++) {
    assert.equal(s.rate(), 0.3);
    assert.deepEqual(s.endEpoch(e, false), { stop: false });
  }
});

test('step schedule: η multiplied by the factor every N epochs', () => {
  const s = scheduleFor({ type: 'step', every: 2, factor: 0.1 }, 1);
  const rates: number[] = [];
  for (let e = 1; e <= 7; e++) {
    rates.push(s.rate());
    assert.equal(s.endEpoch(e, e === 1).stop, false);
  }
  // epochs 1–2: 1, 3–4: 0.1, 5–6: 0.01, 7: 0.001
  const want = [1, 1, 0.1, 0.1, 0.01, 0.01, 0.001];
  rates.forEach((r, i) => assert.ok(Math.abs(r - want[i]!) < 1e-12, `epoch ${i + 1}: η = ${r}, expected ${want[i]}`));
});

test('cosine schedule: η₀ in epoch 1, half-way at the middle, η₀·final approached at the end', () => {
  const s = scheduleFor({ type: 'cosine', final: 0.1 }, 1, 4);
  const rates: number[] = [];
  for (let e = 1; e <= 4; e++) {
    rates.push(s.rate());
    assert.equal(s.endEpoch(e, null).stop, false);
  }
  // t = 0..3 of T = 4: 0.1 + 0.9 · ½(1 + cos(πt/4)) = 1, 0.8682, 0.55, 0.2318
  const want = [1, 0.1 + 0.45 * (1 + Math.SQRT1_2), 0.55, 0.1 + 0.45 * (1 - Math.SQRT1_2)];
  rates.forEach((r, i) => assert.ok(Math.abs(r - want[i]!) < 1e-12, `epoch ${i + 1}: η = ${r}, expected ${want[i]}`));
});

test('cosine with restarts: each cycle anneals from its start (η₀, then η₀·restart) to η₀·final; cycle ends are reported', () => {
  const s = scheduleFor({ type: 'cosine', final: 0.1, cycles: [4, 2, 2], restart: 0.5 }, 1, 8);
  const rates: number[] = [];
  const ends: (number | null)[] = [];
  for (let e = 1; e <= 8; e++) {
    rates.push(s.rate());
    assert.equal(s.endEpoch(e, null).stop, false);
    ends.push(s.cycleEnd!(e));
  }
  // cycle 1 as the plain cosine over 4 epochs; cycles 2 and 3: t = 0, 1 of T = 2 from 0.5: 0.5, 0.1 + 0.4 · ½ = 0.3
  const want = [1, 0.1 + 0.45 * (1 + Math.SQRT1_2), 0.55, 0.1 + 0.45 * (1 - Math.SQRT1_2), 0.5, 0.3, 0.5, 0.3];
  rates.forEach((r, i) => assert.ok(Math.abs(r - want[i]!) < 1e-12, `epoch ${i + 1}: η = ${r}, expected ${want[i]}`));
  assert.deepEqual(ends, [null, null, null, 1, null, 2, null, 3]);
  // without cycles: the same η as one cycle over the run, and no cycle ends (no snapshots)
  const one = scheduleFor({ type: 'cosine', final: 0.1 }, 1, 4);
  const same = scheduleFor({ type: 'cosine', final: 0.1, cycles: [4] }, 1, 4);
  for (let e = 1; e <= 4; e++) {
    assert.equal(one.rate(), same.rate());
    one.endEpoch(e, null);
    same.endEpoch(e, null);
    assert.equal(one.cycleEnd!(e), null);
  }
  assert.equal(same.cycleEnd!(4), 1);
});

test('plateau (the book\'s rule): halve η after n epochs without improvement, stop at η₀/128', () => {
  const s = scheduleFor({ type: 'plateau', patience: 2, factor: 0.5, minFactor: 128 }, 0.8);
  // improvements in epochs 1 and 3; none afterwards.
  const improved = (e: number) => e === 1 || e === 3;
  const rates: number[] = [];
  let stoppedAt = 0;
  for (let e = 1; e <= 40 && !stoppedAt; e++) {
    rates.push(s.rate());
    const r = s.endEpoch(e, improved(e));
    if (r.stop) {
      stoppedAt = e;
      assert.match(r.reason!, /η₀\/128/);
    }
  }
  // epochs 1–5 at 0.8 (epoch 3 improved, so the count restarts; 4, 5 without improvement → halve),
  // then halved every 2 epochs: 0.4 (6–7), 0.2 (8–9), 0.1, 0.05, 0.025, 0.0125 (16–17);
  // after epoch 17 η would be 0.00625 = 0.8/128: stop.
  const want = [0.8, 0.8, 0.8, 0.8, 0.8, 0.4, 0.4, 0.2, 0.2, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125];
  assert.deepEqual(rates, want);
  assert.equal(stoppedAt, 17);
});

test('early stopping: stop after n epochs without improvement; an improvement resets the count', () => {
  const es = new EarlyStopping(3);
  const seq = [true, false, false, true, false, false, false];
  const stops = seq.map((imp) => es.update(imp));
  assert.deepEqual(stops, [false, false, false, false, false, false, true]);
  // null: not measured this epoch (monitor.interval > 1): counts as an epoch, but cannot stop training
  const sparse = new EarlyStopping(2);
  assert.deepEqual([true, null, null, null, false].map((imp) => sparse.update(imp)), [false, false, false, false, true]);
  const off = new EarlyStopping(0);
  for (let i = 0; i < 20; i++) assert.equal(off.update(false), false, 'patience 0 is off');
});

// ---- inside the trainer -----------------------------------------------------------------------

test('the trainer records the step schedule\'s η per epoch', async () => {
  const config = resolveConfig(small, { epochs: 5, learningRate: 0.4, schedule: { type: 'step', every: 2, factor: 0.5 } });
  const { result } = await train({ config, data, kernels: K });
  assert.deepEqual(result.epochs.map((e) => e.learningRate), [0.4, 0.4, 0.2, 0.2, 0.1]);
});

test('the trainer follows the plateau rule and stops at η₀/128', async () => {
  // η so small that a float32 weight cannot move: validation accuracy never improves after epoch 1.
  const config = resolveConfig(small, { epochs: 30, learningRate: 1e-12, schedule: { type: 'plateau', patience: 1, factor: 0.5, minFactor: 128 } });
  const { result } = await train({ config, data, kernels: K });
  const rates = result.epochs.map((e) => e.learningRate / 1e-12);
  // epoch 1 improves (first measurement); epochs 2..8 do not, each halving η; after epoch 8 η = η₀/128.
  assert.deepEqual(rates.map((r) => Math.round(r * 128) / 128), [1, 1, 0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625]);
  assert.equal(result.epochs.length, 8);
  assert.match(result.stopReason ?? '', /η₀\/128/);
  assert.equal(result.bestEpoch, 8, 'all eight epochs tie: the last is kept (network3.py\'s >=)');
});

test('the trainer hands each cycle\'s last weights to onSnapshot, and follows the restarts\' η', async () => {
  const config = resolveConfig(small, { epochs: 5, learningRate: 0.4, schedule: { type: 'cosine', final: 0, cycles: [3, 2], restart: 0.5 } });
  const net = buildNetwork(config, data.train.shape, data.classes, K, new Rng(1));
  const weightsOf = (n: typeof net) => n.params().map((p) => p.value.slice(0, p.size));
  const perEpoch: Float32Array[][] = [];
  const snaps: { cycle: number; epoch: number; weights: Float32Array[] }[] = [];
  const { result } = await train({
    config,
    data,
    kernels: K,
    listener: {
      onEpoch: () => void perEpoch.push(weightsOf(net)),
      onSnapshot: (n, cycle, epoch) => snaps.push({ cycle, epoch, weights: weightsOf(n) }),
    },
    network: net,
  });
  assert.deepEqual(snaps.map((s) => [s.cycle, s.epoch]), [[1, 3], [2, 5]]);
  for (const s of snaps) s.weights.forEach((w, i) => assert.deepEqual(w, perEpoch[s.epoch - 1]![i], `snapshot ${s.cycle}: the weights at the end of epoch ${s.epoch}`));
  const rates = result.epochs.map((e) => e.learningRate);
  const want = [0.4, 0.3, 0.1, 0.2, 0.1];
  rates.forEach((r, i) => assert.ok(Math.abs(r - want[i]!) < 1e-12, `epoch ${i + 1}: η = ${r}, expected ${want[i]}`));
  // the snapshots differ (training went on between them)
  assert.ok(snaps[0]!.weights.some((w, i) => w.some((v, j) => v !== snaps[1]!.weights[i]![j])));
});

test('early stopping keeps the best-validation weights in the returned network', async () => {
  const config = resolveConfig(small, { epochs: 40, learningRate: 2, earlyStopping: { patience: 2 }, seed: 4 });
  const net = buildNetwork(config, data.train.shape, data.classes, K, new Rng(1));
  const perEpoch: Float32Array[][] = [];
  const { network, result } = await train({
    config,
    data,
    kernels: K,
    network: net,
    listener: { onEpoch: () => void perEpoch.push(net.params().map((p) => p.value.slice(0, p.size))) },
  });
  const n = result.epochs.length;
  assert.ok(n < 40, `training stopped early (after ${n} epochs)`);
  assert.match(result.stopReason ?? '', /early stopping: no improvement in validation accuracy for 2 epochs/);
  const best = result.bestEpoch!;
  assert.equal(best, n - 2, 'stopped two epochs after the best one');
  const accs = result.epochs.map((e) => e.validationAccuracy!);
  assert.equal(result.bestValidationAccuracy, Math.max(...accs));
  assert.equal(result.bestValidationAccuracy, accs[best - 1]);
  // the returned network holds the weights of the best epoch, not the last
  network.params().forEach((p, i) => assert.deepEqual(p.value.slice(0, p.size), perEpoch[best - 1]![i], p.name));
  assert.ok(network.params().some((p, i) => !p.value.slice(0, p.size).every((v, j) => v === perEpoch[n - 1]![i]![j])), 'the last epoch\'s weights differ from the best');
  const ev = new Evaluator(network, data.classes);
  assert.equal(ev.evaluate(data.validation).accuracy, result.bestValidationAccuracy);
  assert.equal(ev.evaluate(data.test).accuracy, result.testAccuracy);
});

test('with validation measured every k epochs, unmeasured epochs do not trigger early stopping or the plateau rule', async () => {
  const es = resolveConfig(small, { epochs: 6, learningRate: 0.5, earlyStopping: { patience: 2 }, monitor: { interval: 3 } });
  const r1 = (await train({ config: es, data, kernels: K })).result;
  assert.ok(r1.epochs.length >= 3, `stopped after ${r1.epochs.length} epochs before validation accuracy was ever measured`);
  assert.ok(r1.bestEpoch !== null && r1.bestEpoch % 3 === 0, `best epoch ${r1.bestEpoch} is a measured epoch`);
  const pl = resolveConfig(small, { epochs: 3, learningRate: 0.5, schedule: { type: 'plateau', patience: 1, factor: 0.5, minFactor: 128 }, monitor: { interval: 3 } });
  const r2 = (await train({ config: pl, data, kernels: K })).result;
  assert.deepEqual(r2.epochs.map((e) => e.learningRate), [0.5, 0.5, 0.5], 'η is not halved on epochs whose accuracy was not measured');
});
