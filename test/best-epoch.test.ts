/**
 * Which weights a run keeps: those of the epoch with the best validation accuracy, and on a tie the
 * later epoch, as network3.py (`if validation_accuracy >= best_validation_accuracy`), whose
 * chapter-6 figures are the test accuracy at that epoch.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { PartialRunConfig } from '../src/core/config.js';
import { referenceKernels } from '../src/kernels/reference.js';
import { decodeModel } from '../src/network/model-file.js';
import { RunFolder } from '../src/node/run-folder.js';
import { Evaluator } from '../src/train/evaluate.js';
import { resolveConfig } from '../src/train/resolve.js';
import { train } from '../src/train/trainer.js';
import { barSplits } from './support/bar-images.js';

const data = barSplits();
const tmp = mkdtempSync(join(tmpdir(), 'nnlab-best-epoch-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
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

test('a run folder keeps the last epoch\'s weights as last.nnlab when the best epoch\'s are kept', async () => {
  // The chapter-6 rule restores the best epoch's weights at the end; the last epoch's were lost.
  // Wanted on 2026-12-05: c8-distort's last epochs scored better on the test set than the kept ones.
  const run = async (learningRate: number, seed: number) => {
    const config = resolveConfig(base, { learningRate, epochs: 6, seed });
    const folder = RunFolder.create({ root: tmp });
    const { network, result } = await train({ config, data, kernels: referenceKernels, listener: folder.listener() });
    folder.finish(network, result, data);
    return { config, result, folder };
  };
  // η = 2 makes the run bounce: its best validation epoch (5) is not its last
  const { config, result, folder } = await run(2, 4);
  assert.ok(result.bestEpoch !== null && result.bestEpoch < 6, `the premise: the best epoch is not the last, got ${result.bestEpoch}`);
  const read = (f: 'last' | 'model') => decodeModel(new Uint8Array(readFileSync(folder.path(f))), referenceKernels, f);
  const last = read('last');
  assert.equal(last.header.meta.lastEpoch, 6);
  assert.deepEqual(last.header.meta.config, config);
  const score = (n: typeof last.network) => new Evaluator(n, data.classes).evaluate(data.test, false).accuracy;
  assert.equal(score(last.network), result.finalTestAccuracy);
  assert.equal(score(read('model').network), result.testAccuracy);
  assert.notEqual(result.finalTestAccuracy, result.testAccuracy, 'the two files hold different weights');

  // η = 0.5 learns steadily; its best epoch is the last (a tie at 100 % goes to the later), so model.nnlab is the last epoch and no last.nnlab is written
  const steady = await run(0.5, 2);
  assert.equal(steady.result.bestEpoch, 6);
  assert.ok(existsSync(steady.folder.path('model')) && !existsSync(steady.folder.path('last')));
});
