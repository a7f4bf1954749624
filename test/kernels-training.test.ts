/**
 * Whole training runs on each backend give the same metrics and weights as the reference backend
 * (within float32 tolerance), and the threaded backend gives the single-threaded wasm backend's
 * results bit for bit. Small synthetic data, so the test is fast and needs no files.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { PartialRunConfig } from '../src/core/config.js';
import type { Splits } from '../src/data/dataset.js';
import type { Kernels } from '../src/kernels/kernels.js';
import { createWasmKernels, referenceKernels } from '../src/kernels/index.js';
import { parseArchitecture } from '../src/network/arch.js';
import { createThreadedKernels, type ThreadedKernels } from '../src/node/threaded-kernels.js';
import { enableRelaxedSimd } from '../src/node/relaxed-simd.js';
import { resolveConfig } from '../src/train/resolve.js';
import { barSplits } from './support/bar-images.js';
import { train, type EpochRecord } from '../src/train/trainer.js';

const data: Splits = barSplits();

const monitor = { trainCost: true, trainAccuracy: true, validationCost: true, validationAccuracy: true, testCost: true, testAccuracy: true };
const CASES: [string, PartialRunConfig][] = [
  ['MLP sigmoid + cross-entropy + L2 (the torch benchmark setup)', { network: { layers: parseArchitecture('dense 30 sigmoid, dense 4 sigmoid') }, cost: 'cross-entropy', learningRate: 0.5, regularization: { l2: 5 } }],
  ['MLP relu/tanh + softmax, Adam, L1', { network: { layers: parseArchitecture('dense 33 relu, dense 7 tanh, softmax 4'), init: 'he' }, cost: 'log-likelihood', learningRate: 0.01, optimizer: { type: 'adam' }, regularization: { l1: 0.1 } }],
  ['MLP relu + softmax, AdamW (L2 decoupled)', { network: { layers: parseArchitecture('dense 20 relu, softmax 4'), init: 'he' }, cost: 'log-likelihood', learningRate: 0.01, optimizer: { type: 'adamw' }, regularization: { l2: 30 } }],
  ['small CNN, momentum', { network: { layers: parseArchitecture('conv 5x3x3 relu, maxpool 2, dense 9 relu, softmax 4') }, cost: 'log-likelihood', learningRate: 0.05, optimizer: { type: 'momentum' } }],
  ['two conv layers (col2im over several channels), nesterov', { network: { layers: parseArchitecture('conv 4x3x3 relu, maxpool 2, conv 6x2x2 relu, dense 9 relu, softmax 4') }, cost: 'log-likelihood', learningRate: 0.05, optimizer: { type: 'nesterov' } }],
  ['a conv layer unfolded by rows (patch 4·3·3 = 36: sparse backward products after max-pooling), SGD', { network: { layers: parseArchitecture('conv 4x3x3 relu, maxpool 2, conv 8x3x3 relu same, maxpool 2, dense 9 relu, softmax 4') }, cost: 'log-likelihood', learningRate: 0.05 }],
];

async function run(config: PartialRunConfig, kernels: Kernels) {
  const c = resolveConfig(config, { epochs: 2, batchSize: 7, seed: 5, monitor, data: { trainSize: 300, validationSize: 100 } });
  const { network, result } = await train({ config: c, data, kernels });
  const weights = network.params().map((p) => Float32Array.from(p.value.subarray(0, p.size)));
  return { epochs: result.epochs, weights };
}
const metrics = (e: EpochRecord[]) => e.map(({ seconds: _s, ...rest }) => rest);

const threaded: ThreadedKernels[] = [];
after(() => threaded.forEach((k) => k.close()));

// both builds of the wasm kernels: multiply then add, and fused multiply-add (relaxed SIMD, where this Node has it)
const BUILDS = [false, ...(enableRelaxedSimd() ? [true] : [])];
for (const [label, config] of CASES) for (const fma of BUILDS) {
  test(`${label}: wasm and wasm-threads (${fma ? 'FMA build' : 'mul + add build'}) train like the reference`, async () => {
    const ref = await run(config, referenceKernels);
    const wasm = await run(config, await createWasmKernels({ fma }));
    const t = await createThreadedKernels({ threads: 2, minFlops: 0, minFloats: 0, fma });
    threaded.push(t);
    const thr = await run(config, t);
    // threads change nothing, bit for bit
    assert.deepStrictEqual(metrics(thr.epochs), metrics(wasm.epochs));
    assert.deepStrictEqual(thr.weights, wasm.weights);
    // and the wasm backend agrees with the reference within float32 tolerance
    for (let e = 0; e < ref.epochs.length; e++) {
      const r = ref.epochs[e]!, w = wasm.epochs[e]!;
      for (const key of ['trainCost', 'validationCost', 'testCost'] as const)
        assert.ok(Math.abs(w[key]! - r[key]!) <= 1e-3 * Math.abs(r[key]!), `epoch ${e + 1} ${key}: ${w[key]} vs ${r[key]}`);
      for (const key of ['trainAccuracy', 'validationAccuracy', 'testAccuracy'] as const)
        assert.ok(Math.abs(w[key]! - r[key]!) <= 0.011, `epoch ${e + 1} ${key}: ${w[key]} vs ${r[key]}`);
    }
    ref.weights.forEach((rw, i) => {
      const ww = wasm.weights[i]!;
      for (let j = 0; j < rw.length; j++) assert.ok(Math.abs(ww[j]! - rw[j]!) <= 1e-3 + 1e-3 * Math.abs(rw[j]!), `parameter ${i}[${j}]: ${ww[j]} vs ${rw[j]}`);
    });
    assert.ok(ref.epochs[1]!.validationAccuracy! > 0.5, 'the synthetic task is learned (the test is not vacuous)');
  });
}

test('a config with fma false refuses kernels that fuse, and trains on the mul + add build', async (t) => {
  const fusing = await createWasmKernels();
  if (!fusing.fma) return t.skip('no fused multiply-add here');
  const c = resolveConfig({ ...CASES[0]![1], fma: false }, { epochs: 1, batchSize: 7, seed: 5, monitor, data: { trainSize: 300, validationSize: 100 } });
  await assert.rejects(() => train({ config: c, data, kernels: fusing }), /fma.*FMA build/);
  const { result } = await train({ config: c, data, kernels: await createWasmKernels({ fma: false }) });
  assert.equal(result.fma, false);
  assert.equal(result.config.fma, false);
});
