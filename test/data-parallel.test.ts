/**
 * Data-parallel training ('wasm-dp', src/node/data-parallel.ts): the two halves' gradients add up
 * to the whole mini-batch's, training matches the single-threaded backend within float32
 * tolerance, runs are reproducible, and a failure in the worker thread reaches the caller.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { PartialRunConfig } from '../src/core/config.js';
import { Rng } from '../src/core/rng.js';
import { costByName } from '../src/costs/index.js';
import type { Splits } from '../src/data/dataset.js';
import { createWasmKernels } from '../src/kernels/index.js';
import { parseArchitecture } from '../src/network/arch.js';
import { Network } from '../src/network/network.js';
import { dataParallelGradient, gradientForBackend, mainPart } from '../src/node/data-parallel.js';
import { REPLICA } from '../src/node/kernel-protocol.js';
import { availableParallelism } from 'node:os';
import { createNodeKernels, createThreadedKernels, DATA_PARALLEL_MIN_BATCH, prefersDataParallel, type ThreadedKernels } from '../src/node/threaded-kernels.js';
import { serialGradient } from '../src/train/gradient.js';
import { resolveConfig } from '../src/train/resolve.js';
import { barSplits } from './support/bar-images.js';
import { train } from '../src/train/trainer.js';

const opened: ThreadedKernels[] = [];
after(() => opened.forEach((k) => k.close()));
async function dp(split = false): Promise<ThreadedKernels> {
  // split: every product and split kernel also shared out (the main thread's half then announces products while the worker is busy)
  const k = await createThreadedKernels({ threads: 2, name: 'wasm-dp', ...(split ? { minFlops: 0, minFloats: 0 } : {}) });
  opened.push(k);
  return k;
}

const data: Splits = barSplits();

test('the main thread takes the larger half', () => {
  assert.deepEqual([2, 3, 7, 10, 64].map(mainPart), [1, 2, 4, 5, 32]);
});

test('first request on a fresh backend: the worker answers (it once took the empty control block for EXIT and stopped)', async () => {
  const k = await dp();
  const net = new Network({ inputShape: [1, 8, 8], layers: parseArchitecture('dense 5 relu, softmax 4'), cost: costByName('log-likelihood'), init: 'default', kernels: k, rng: new Rng(1) });
  const g = dataParallelGradient(k, 1)(net, 4, 4);
  const x = k.alloc(4 * 64), y = k.alloc(16);
  for (let i = 0; i < 4; i++) y[i * 4 + i] = 1;
  for (let s = 0; s < 200; s++) assert.ok(Number.isFinite(g.compute(x, y, 4)));
});

for (const split of [false, true])
  test(`halves add up to the whole mini-batch's gradient and cost (conv + pool + dense${split ? ', every kernel split too' : ''})`, async () => {
    const k = await dp(split);
    const net = new Network({
      inputShape: [1, 8, 8], layers: parseArchitecture('conv 4x3x3 relu, maxpool 2, conv 6x2x2 tanh, dense 9 sigmoid, softmax 4'),
      cost: costByName('log-likelihood'), init: 'default', kernels: k, rng: new Rng(3),
    });
    const whole = serialGradient(net, 4);
    const halves = dataParallelGradient(k, 3)(net, 11, 4);
    const rng = new Rng(9);
    const x = k.alloc(11 * 64), y = k.alloc(11 * 4);
    for (let i = 0; i < x.length; i++) x[i] = rng.uniform();
    for (let e = 0; e < 11; e++) y[e * 4 + rng.int(4)] = 1;
    for (const count of [1, 2, 5, 11]) {
      const c1 = whole.compute(x, y, count);
      const g1 = net.params().map((p) => Float32Array.from(p.grad.subarray(0, p.size)));
      net.params().forEach((p) => p.grad.fill(123)); // stale values must not leak into the result
      const c2 = halves.compute(x, y, count);
      assert.ok(Math.abs(c1 - c2) <= 1e-5 * Math.abs(c1), `cost of ${count}: ${c2} vs ${c1}`);
      net.params().forEach((p, i) => {
        const a = g1[i]!;
        let scale = 0;
        for (let j = 0; j < a.length; j++) scale = Math.max(scale, Math.abs(a[j]!));
        assert.ok(scale > 0, `${p.name} has a gradient (the check is not vacuous)`);
        for (let j = 0; j < a.length; j++) assert.ok(Math.abs(p.grad[j]! - a[j]!) <= 1e-5 * scale, `${count} rows, ${p.name}[${j}]: ${p.grad[j]} vs ${a[j]}`);
      });
    }
  });

const monitor = { trainCost: true, trainAccuracy: true, validationCost: true, validationAccuracy: true, testCost: true, testAccuracy: true };
async function run(config: PartialRunConfig, backend: 'wasm' | 'wasm-dp') {
  const c = resolveConfig(config, { epochs: 3, batchSize: 7, seed: 5, monitor, data: { trainSize: 300, validationSize: 100 }, backend });
  const kernels = backend === 'wasm' ? await createWasmKernels() : await dp();
  const gradient = gradientForBackend(kernels, c.seed);
  assert.equal(gradient !== undefined, backend === 'wasm-dp');
  const { network, result } = await train({ config: c, data, kernels, ...(gradient ? { gradient } : {}) });
  return { result, weights: network.params().map((p) => Float32Array.from(p.value.subarray(0, p.size))) };
}

test('wasm-dp trains like one thread (no dropout: the same numbers up to float32 rounding)', async () => {
  const config: PartialRunConfig = { network: { layers: parseArchitecture('conv 5x3x3 relu, maxpool 2, dense 9 relu, softmax 4') }, cost: 'log-likelihood', learningRate: 0.05, optimizer: { type: 'momentum' }, regularization: { l2: 1 } };
  const one = await run(config, 'wasm');
  const two = await run(config, 'wasm-dp');
  assert.equal(two.result.backend, 'wasm-dp');
  for (let e = 0; e < 3; e++) {
    const a = one.result.epochs[e]!, b = two.result.epochs[e]!;
    assert.ok(Math.abs(a.trainCost! - b.trainCost!) <= 1e-3 * a.trainCost!, `epoch ${e + 1} train cost ${b.trainCost} vs ${a.trainCost}`);
    assert.ok(Math.abs(a.validationAccuracy! - b.validationAccuracy!) <= 0.011, `epoch ${e + 1} validation accuracy ${b.validationAccuracy} vs ${a.validationAccuracy}`);
  }
  one.weights.forEach((w, i) => {
    for (let j = 0; j < w.length; j++) assert.ok(Math.abs(two.weights[i]![j]! - w[j]!) <= 1e-3 + 1e-3 * Math.abs(w[j]!), `parameter ${i}[${j}]`);
  });
  assert.ok(two.result.epochs[2]!.validationAccuracy! > 0.5, 'the task is learned');
});

test('wasm-dp with dropout: the same seed gives the same weights bit for bit', async () => {
  const config: PartialRunConfig = { network: { layers: parseArchitecture('dense 30 relu, dropout 0.3, softmax 4') }, cost: 'log-likelihood', learningRate: 0.1 };
  const a = await run(config, 'wasm-dp');
  const b = await run(config, 'wasm-dp');
  assert.deepStrictEqual(a.weights, b.weights);
  assert.deepStrictEqual(a.result.epochs.map((e) => e.trainCost), b.result.epochs.map((e) => e.trainCost));
  assert.ok(a.result.epochs[2]!.validationAccuracy! > 0.5);
});

test('a failed request in the worker thread is an error here, and the mailbox keeps working', async () => {
  const k = await dp();
  assert.throws(() => k.replica!.request(99, []), /training worker thread failed: Error: unknown replica request 99/);
  assert.throws(() => k.replica!.request(REPLICA.PART, [1, 2, 0, 0]), /replica PART before INIT/);
  // this thread's half failing: its error, raised after the worker answered (whose own error is not left for later)
  assert.throws(() => k.replica!.request(98, [], () => { throw new Error('main half failed'); }), /main half failed/);
  assert.throws(() => k.replica!.request(97, []), /unknown replica request 97/);
  const net = new Network({ inputShape: [1, 8, 8], layers: parseArchitecture('dense 5 relu, softmax 4'), cost: costByName('log-likelihood'), init: 'default', kernels: k, rng: new Rng(1) });
  const g = dataParallelGradient(k, 1)(net, 4, 4);
  const x = k.alloc(4 * 64), y = k.alloc(16);
  for (let i = 0; i < 4; i++) y[i * 4 + i] = 1;
  assert.ok(Number.isFinite(g.compute(x, y, 4)));
});

test('data-parallel refuses a backend without exactly one worker, and a network of another backend', async () => {
  const three = await createThreadedKernels({ threads: 3 });
  opened.push(three);
  assert.equal(three.replica, null);
  const net = new Network({ inputShape: [1, 8, 8], layers: parseArchitecture('dense 5 relu, softmax 4'), cost: costByName('log-likelihood'), init: 'default', kernels: three, rng: new Rng(1) });
  assert.throws(() => dataParallelGradient(three, 1)(net, 4, 4), /exactly one worker thread/);
  const k = await dp();
  assert.throws(() => dataParallelGradient(k, 1)(net, 4, 4), /built on another kernel backend/);
  const byName = await createNodeKernels('wasm-dp');
  opened.push(byName as ThreadedKernels);
  assert.equal(byName.name, 'wasm-dp');
});

test("'auto' trains data-parallel from DATA_PARALLEL_MIN_BATCH examples a mini-batch, on two cores", { skip: availableParallelism() < 2 ? 'one core' : false }, async () => {
  const small = await createNodeKernels('auto', { batchSize: DATA_PARALLEL_MIN_BATCH - 1 });
  const large = await createNodeKernels('auto', { batchSize: DATA_PARALLEL_MIN_BATCH });
  const none = await createNodeKernels('auto');
  for (const k of [small, large, none]) opened.push(k as ThreadedKernels);
  assert.equal(small.name, 'wasm-threads');
  assert.equal(large.name, 'wasm-dp');
  assert.equal(none.name, 'wasm-threads');
  // a convolutional network: data-parallel from mini-batches of 2
  const conv = await createNodeKernels('auto', { batchSize: 10, convolutional: true });
  const convOne = await createNodeKernels('auto', { batchSize: 1, convolutional: true });
  for (const k of [conv, convOne]) opened.push(k as ThreadedKernels);
  assert.equal(conv.name, 'wasm-dp');
  assert.equal(convOne.name, 'wasm-threads');
  // one dropout mask a mini-batch: never split (the worker's half would draw its own)
  assert.equal(prefersDataParallel({ batchSize: 10, convolutional: true, dropoutPerBatch: true }), false);
  assert.equal(prefersDataParallel({ batchSize: 100, dropoutPerBatch: true }), false);
  assert.equal(prefersDataParallel({ batchSize: 100 }), true);
});

test('trainings one after another reuse the replica region; two at once on one backend are refused', async () => {
  const k = await dp();
  const network = () => new Network({ inputShape: [1, 8, 8], layers: parseArchitecture('conv 3x3x3 relu, maxpool 2, dense 7 relu, softmax 4'), cost: costByName('log-likelihood'), init: 'default', kernels: k, rng: new Rng(1) });
  const net1 = network();
  let before = k.allocatedBytes();
  const g1 = dataParallelGradient(k, 1)(net1, 6, 4);
  assert.ok(k.allocatedBytes() > before, 'the first training reserves a region');
  const net2 = network();
  assert.throws(() => dataParallelGradient(k, 1)(net2, 6, 4), /in use by another training on this backend/);
  g1.close!();
  before = k.allocatedBytes();
  const g2 = dataParallelGradient(k, 1)(net2, 6, 4);
  assert.equal(k.allocatedBytes(), before, 'the second training reuses the region');
  const x = k.alloc(6 * 64), y = k.alloc(24);
  for (let i = 0; i < 6; i++) y[i * 4 + (i % 4)] = 1;
  assert.ok(Number.isFinite(g2.compute(x, y, 6)));
  g2.close!();
});
