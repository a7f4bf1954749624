/**
 * Which weights a run keeps: those of the epoch with the best validation accuracy, and on a tie the
 * later epoch, as network3.py (`if validation_accuracy >= best_validation_accuracy`), whose
 * chapter-6 figures are the test accuracy at that epoch.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PartialRunConfig } from '../src/core/config.js';
import { referenceKernels } from '../src/kernels/reference.js';
import { resolveConfig } from '../src/train/resolve.js';
import { train } from '../src/train/trainer.js';
import { barSplits } from './support/bar-images.js';

const data = barSplits();
const monitor = { trainCost: false, trainAccuracy: false, validationCost: false, validationAccuracy: true, testCost: false, testAccuracy: true };
const base: PartialRunConfig = { network: { layers: 'dense 8 relu, softmax 4' }, cost: 'log-likelihood', batchSize: 10, seed: 2, monitor };

test('on a tie in validation accuracy the later epoch is kept (network3.py\'s >=)', async () => {
  // η = 1e-12 leaves the float32 weights (all but a few last bits) where they are: every epoch scores the same
  const config = resolveConfig(base, { learningRate: 1e-12, epochs: 4, earlyStopping: { patience: 2 } });
  const { result } = await train({ config, data, kernels: referenceKernels });
  const va = result.epochs.map((e) => e.validationAccuracy);
  assert.equal(new Set(va).size, 1, `the premise: equal validation accuracies, got ${va.join(', ')}`);
  // early stopping counts strict improvements only: epoch 1 improves, 2 and 3 do not, patience 2 stops after 3
  assert.equal(result.epochs.length, 3);
  assert.equal(result.bestEpoch, 3, 'the last of the tied epochs');
});

test('the kept epoch is the last one with the highest validation accuracy, and its test accuracy is the run\'s', async () => {
  const config = resolveConfig(base, { learningRate: 0.05, epochs: 12 });
  const { result } = await train({ config, data, kernels: referenceKernels });
  const va = result.epochs.map((e) => e.validationAccuracy!);
  const top = Math.max(...va);
  assert.equal(result.bestEpoch, va.lastIndexOf(top) + 1);
  assert.equal(result.bestValidationAccuracy, top);
  assert.equal(result.testAccuracy, result.epochs[result.bestEpoch! - 1]!.testAccuracy);
  assert.ok(top > 0.5, `the network learns (best validation accuracy ${top})`);
});
