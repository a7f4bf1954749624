/**
 * Weight averaging (`averageFrom`, SWA): the weights evaluated, kept and saved are the mean of the
 * end-of-epoch weights since that epoch, while training goes on from the trained weights.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PartialRunConfig } from '../src/core/config.js';
import { Rng } from '../src/core/rng.js';
import type { ExampleSet, Splits } from '../src/data/dataset.js';
import { referenceKernels } from '../src/kernels/reference.js';
import { resolveConfig } from '../src/train/resolve.js';
import { train } from '../src/train/trainer.js';
import { configFromFlags } from '../src/cli/config-source.js';

function synthetic(count: number, seed: number): ExampleSet {
  const rng = new Rng(seed);
  const pixels = new Uint8Array(count * 16);
  const labels = new Uint8Array(count);
  for (let e = 0; e < count; e++) {
    const c = rng.int(2);
    labels[e] = c;
    for (let i = 0; i < 16; i++) pixels[e * 16 + i] = rng.int(80) + (i < 8 === (c === 0) ? 150 : 0);
  }
  return { pixels, labels, count, shape: [1, 4, 4] };
}
const data: Splits = { train: synthetic(200, 1), validation: synthetic(50, 2), test: synthetic(50, 3), classes: 2 };
const noMonitor = { trainCost: false, trainAccuracy: false, validationCost: false, validationAccuracy: false, testCost: false, testAccuracy: false };
const base: PartialRunConfig = { network: { layers: 'dense 6 relu, softmax 2' }, cost: 'log-likelihood', learningRate: 0.1, optimizer: { type: 'momentum' }, batchSize: 10, seed: 4, data: { trainSize: 200, validationSize: 50 } };

async function weightsAfter(epochs: number, extra: PartialRunConfig = {}) {
  const config = resolveConfig(base, { epochs, monitor: noMonitor, ...extra });
  const { network, result } = await train({ config, data, kernels: referenceKernels });
  return { weights: network.params().map((p) => Float32Array.from(p.value.subarray(0, p.size))), result };
}

test('averageFrom 2 over 4 epochs keeps the mean of the weights after epochs 2, 3 and 4, trained as without averaging', async () => {
  const w = [await weightsAfter(2), await weightsAfter(3), await weightsAfter(4)].map((r) => r.weights);
  const avg = await weightsAfter(4, { averageFrom: 2 });
  avg.weights.forEach((got, i) => {
    let moved = 0;
    for (let j = 0; j < got.length; j++) {
      const want = (w[0]![i]![j]! + w[1]![i]![j]! + w[2]![i]![j]!) / 3;
      assert.ok(Math.abs(got[j]! - want) <= 1e-6 + 1e-5 * Math.abs(want), `parameter ${i}[${j}]: ${got[j]} vs mean ${want}`);
      moved = Math.max(moved, Math.abs(w[2]![i]![j]! - w[0]![i]![j]!));
    }
    assert.ok(moved > 1e-4, 'the weights change between epochs 2 and 4 (the mean differs from each)');
  });
  assert.deepEqual(avg.result.epochs.map((e) => e.averaged), [undefined, 1, 2, 3]);
});

test('with validation monitored, the best epoch and the kept weights are those of the mean', async () => {
  const config = resolveConfig(base, { epochs: 4, averageFrom: 3, monitor: { ...noMonitor, validationAccuracy: true, testAccuracy: true } });
  const { result } = await train({ config, data, kernels: referenceKernels });
  assert.ok(result.bestEpoch !== null);
  const best = result.epochs[result.bestEpoch - 1]!;
  assert.equal(result.testAccuracy, best.testAccuracy, 'the kept weights score what their epoch record says');
});

test('averageFrom: absent from the default config, 0 means off, the flag sets it, bad values are refused', () => {
  assert.equal('averageFrom' in resolveConfig({}), false);
  assert.equal('averageFrom' in resolveConfig({ averageFrom: 0 }), false);
  assert.equal(configFromFlags({ 'average-from': 30 }).config.averageFrom, 30);
  assert.throws(() => resolveConfig({ averageFrom: 1.5 }), /averageFrom/);
  assert.throws(() => resolveConfig({ averageFrom: -2 }), /averageFrom/);
});

test('fma: true and averageFrom: 0 in a config are accepted (fields present only when set)', () => {
  assert.equal('fma' in resolveConfig({ fma: true as never }), false);
  assert.equal(resolveConfig({ fma: false }).fma, false);
  assert.throws(() => resolveConfig({ fma: 'no' as never }), /fma/);
});
