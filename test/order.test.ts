/**
 * The order of the training examples: shuffled anew each epoch (the default), or the file's
 * order every epoch with `data.order: 'fixed'` (network3.py's mini-batches, `--order fixed`).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PartialRunConfig } from '../src/core/config.js';
import { ConfigError } from '../src/core/errors.js';
import { referenceKernels } from '../src/kernels/reference.js';
import { resolveConfig } from '../src/train/resolve.js';
import { train } from '../src/train/trainer.js';
import { flagsToConfig } from '../src/cli/train-flags.js';
import { barSplits } from './support/bar-images.js';

const data = barSplits();
const off = { trainCost: false, trainAccuracy: false, validationCost: false, validationAccuracy: false, testCost: false, testAccuracy: false };
const base: PartialRunConfig = { network: { layers: 'dense 5 relu, softmax 4' }, cost: 'log-likelihood', learningRate: 0.1, batchSize: 7, epochs: 2, monitor: off };

/** The label of every example the trainer hands to the gradient, epoch by epoch (a gradient that records and computes nothing). */
async function labelsSeen(extra: PartialRunConfig): Promise<number[][]> {
  const seen: number[] = [];
  const config = resolveConfig(base, extra);
  await train({
    config, data, kernels: referenceKernels,
    gradient: () => ({
      compute(_x, y, count) {
        for (let e = 0; e < count; e++) seen.push(Array.from(y.subarray(e * 4, e * 4 + 4)).indexOf(1));
        return 0;
      },
    }),
  });
  const n = data.train.count;
  return [seen.slice(0, n), seen.slice(n)];
}

test("order 'fixed': every epoch the examples in the file's order", async () => {
  const fileOrder = Array.from(data.train.labels);
  const [e1, e2] = await labelsSeen({ data: { order: 'fixed' } });
  assert.deepEqual(e1, fileOrder);
  assert.deepEqual(e2, fileOrder);
});

test('the default shuffles each epoch anew (and leaves order out of the config)', async () => {
  const fileOrder = Array.from(data.train.labels);
  const [e1, e2] = await labelsSeen({});
  assert.notDeepEqual(e1, fileOrder);
  assert.notDeepEqual(e2, e1);
  assert.deepEqual([...e1].sort(), [...fileOrder].sort(), 'each example once an epoch');
  assert.equal('order' in resolveConfig({}).data, false);
});

test('--order sets data.order; a bad value is refused by the flag and by the config', () => {
  assert.equal(flagsToConfig({ order: 'fixed' }, []).data?.order, 'fixed');
  assert.throws(() => flagsToConfig({ order: 'sorted' }, []), /--order: expected one of shuffled, fixed, got "sorted"/);
  assert.throws(() => resolveConfig({ data: { order: 'random' as 'fixed' } }), (e: unknown) => e instanceof ConfigError && /data\.order/.test(String(e)));
});
