import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../src/core/rng.js';
import { AugmentedEpochs, AugmentPipeline, augmentSeed } from '../src/data/augment/index.js';
import type { ExampleSet } from '../src/data/dataset.js';
import { WorkerEpochSource } from '../src/node/augment-source.js';

function synthetic(count: number, bytes: boolean): ExampleSet {
  const r = new Rng(9);
  const n = count * 784;
  const pixels = bytes ? new Uint8Array(n).map(() => r.int(256)) : new Float32Array(n).map(() => r.uniform());
  return { pixels, labels: new Uint8Array(count).map((_, i) => i % 10), count, shape: [1, 28, 28] };
}

for (const bytes of [true, false]) {
  test(`worker epochs equal the training-thread epochs bit for bit (${bytes ? 'bytes' : 'floats'})`, async () => {
    const train = synthetic(40, bytes);
    const spec = 'shift:2,rotate:15,skew:0.3,scale:0.1,elastic:34:4,p=0.9';
    const seed = augmentSeed(123);
    const sync = new AugmentedEpochs(train, AugmentPipeline.fromSpec(spec, train.shape), seed);
    const worker = new WorkerEpochSource(train, spec, seed, 4);
    try {
      let prev: Uint8Array | Float32Array | null = null;
      for (let e = 1; e <= 4; e++) {
        const a = await worker.epoch(e);
        const b = sync.epoch(e);
        assert.equal(a.count, train.count);
        assert.equal(a.labels, train.labels);
        assert.deepEqual(a.pixels, b.pixels, `epoch ${e}`);
        assert.notDeepEqual(a.pixels, train.pixels, `epoch ${e} is distorted`);
        if (prev) assert.notDeepEqual(a.pixels, prev, `epoch ${e} differs from epoch ${e - 1}`);
        prev = a.pixels.slice();
      }
    } finally {
      await worker.close();
    }
  });
}

test('a bad spec fails before the worker starts, naming the token', () => {
  assert.throws(() => new WorkerEpochSource(synthetic(2, true), 'rotate,wobble', 1), /bad token "wobble"/);
});

test('training with data.augment: the same run with the worker and on the training thread, and different from no augmentation', async () => {
  const { resolveConfig } = await import('../src/train/resolve.js');
  const { train } = await import('../src/train/trainer.js');
  const { referenceKernels } = await import('../src/kernels/reference.js');
  const { workerAugmentation } = await import('../src/node/augment-source.js');
  const set = synthetic(60, true);
  const data = { train: set, validation: synthetic(20, true), test: synthetic(20, true), classes: 10 };
  const config = resolveConfig({
    data: { augment: 'rotate:15,elastic' },
    network: { layers: 'dense 10 sigmoid, dense 10 sigmoid' },
    epochs: 2,
    monitor: { validationAccuracy: false, validationCost: false },
  });
  const onThread = await train({ config, data, kernels: referenceKernels });
  const epochData = workerAugmentation(config, set)!;
  const viaWorker = await train({ config, data, kernels: referenceKernels, epochData }).finally(() => epochData.close());
  const plain = await train({ config: { ...config, data: { ...config.data, augment: '' } }, data, kernels: referenceKernels });
  const weights = (r: typeof plain) => r.network.params().map((p) => Array.from(p.value.subarray(0, p.size)));
  assert.deepEqual(weights(viaWorker), weights(onThread));
  assert.notDeepEqual(weights(plain), weights(onThread));
  assert.equal(viaWorker.result.testCost, onThread.result.testCost);
});
