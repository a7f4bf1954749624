/**
 * Same seed, same data, same settings: the same numbers, bit for bit. A different seed: different ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceKernels as K } from '../src/kernels/reference.js';
import { loadSplits } from '../src/node/data.js';
import { resolveConfig } from '../src/train/resolve.js';
import { train, type EpochRecord } from '../src/train/trainer.js';
import type { PartialRunConfig } from '../src/core/config.js';
import type { Network } from '../src/network/network.js';
import { parseArchitecture } from '../src/network/arch.js';
import { subset, type Splits } from '../src/data/dataset.js';

const full = loadSplits({ source: 'mnist', trainSize: 1000, validationSize: 1000, augment: '' });
/** 1,000 test images are plenty here and keep the test fast. */
const data: Splits = { ...full, test: subset(full.test, 0, 1000) };

/** Dropout, momentum and L2 exercise every random choice: init, shuffling, masks. */
const base: PartialRunConfig = {
  network: { layers: parseArchitecture('dense 30 relu, dropout 0.3, dense 20 tanh, softmax 10'), init: 'he' },
  cost: 'log-likelihood',
  epochs: 2,
  batchSize: 10,
  learningRate: 0.05,
  optimizer: { type: 'momentum', momentum: 0.9 },
  regularization: { l2: 1 },
  data: { trainSize: 1000, validationSize: 1000 },
  monitor: { trainCost: true, trainAccuracy: true, validationCost: true, validationAccuracy: true, testCost: true, testAccuracy: true },
};

async function run(seed: number): Promise<{ network: Network; epochs: EpochRecord[]; testAccuracy: number; testCost: number }> {
  const config = resolveConfig(base, { seed });
  const { network, result } = await train({ config, data, kernels: K });
  return { network, epochs: result.epochs, testAccuracy: result.testAccuracy, testCost: result.testCost };
}

/** Every metric of every epoch except the wall times. */
function metrics(epochs: EpochRecord[]): unknown[] {
  return epochs.map(({ seconds: _s, ...rest }) => rest);
}

function weightBytes(net: Network): Buffer {
  return Buffer.concat(net.params().map((p) => Buffer.from(p.value.buffer, p.value.byteOffset, p.size * 4)));
}

let first: Awaited<ReturnType<typeof run>> | null = null;
const seed42 = async () => (first ??= await run(42));

test('two runs with one seed give identical metrics and weights, bit for bit', async () => {
  const a = await seed42();
  const b = await run(42);
  assert.equal(a.epochs.length, 2);
  for (const e of a.epochs) for (const v of Object.values(e)) assert.ok(v === null || Number.isFinite(v), 'every monitor is on and finite');
  // deepStrictEqual compares numbers with Object.is: equal bits (NaN, ±0 included).
  assert.deepStrictEqual(metrics(a.epochs), metrics(b.epochs));
  assert.ok(Object.is(a.testAccuracy, b.testAccuracy));
  assert.ok(Object.is(a.testCost, b.testCost));
  assert.ok(weightBytes(a.network).equals(weightBytes(b.network)), 'weights differ between two runs with the same seed');
});

test('a different seed gives different metrics and weights', async () => {
  const a = await seed42();
  const c = await run(43);
  assert.notDeepStrictEqual(metrics(a.epochs), metrics(c.epochs));
  assert.ok(!weightBytes(a.network).equals(weightBytes(c.network)));
});
