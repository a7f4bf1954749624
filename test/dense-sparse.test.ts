/**
 * A dense layer followed by ReLU or dropout multiplies its mostly-zero error sparsely for the
 * input error (`LayerContext.sparseError`, `gemmSparseA`): the same gradients as the dense
 * products, bit for bit on the wasm kernels (a skipped zero adds nothing), and as the reference
 * kernels within rounding.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../src/core/rng.js';
import type { Kernels } from '../src/kernels/kernels.js';
import { createWasmKernels, referenceKernels } from '../src/kernels/index.js';
import { Dense, initHints } from '../src/layers/index.js';
import { parseArchitecture } from '../src/network/arch.js';
import { enableRelaxedSimd } from '../src/node/relaxed-simd.js';

test('initHints: sparse error for a dense layer before ReLU or dropout, not before sigmoid or softmax', () => {
  const specs = parseArchitecture('dense 8 relu, dense 6 sigmoid, dropout 0.5, dense 5, relu, dense 4 tanh, dense 3 sigmoid, softmax 2');
  const sparse = specs.map((s, i) => (s.type === 'dense' ? initHints(specs, i).sparseError === true : null)).filter((v) => v !== null);
  //                   relu  sigmoid→dropout  →relu layer  tanh   sigmoid  softmax
  assert.deepEqual(sparse, [true, true, true, false, false, false]);
});

/** δ with about 3 zeros in 4 (as ReLU and dropout 0.5 leave it), and a layer's gradients from it. */
function gradients(k: Kernels, sparseError: boolean, batch: number, nIn: number, nOut: number, accumulate: boolean) {
  const rng = new Rng(5);
  const layer = new Dense([nIn], nOut, { kernels: k, rng: new Rng(1), init: 'default', index: 0, sparseError });
  layer.setCapacity(batch + 3);
  const x = k.alloc((batch + 3) * nIn);
  for (let i = 0; i < batch * nIn; i++) x[i] = rng.uniform() < 0.5 ? 0 : rng.normal();
  const delta = k.alloc((batch + 3) * nOut);
  for (let i = 0; i < batch * nOut; i++) delta[i] = rng.uniform() < 0.75 ? 0 : rng.normal() * 0.1;
  layer.forward(x, batch);
  layer.weights.grad.fill(0.25); // what `accumulate` adds to
  const dx = Float32Array.from(layer.backward(delta, batch, true, accumulate)!.subarray(0, batch * nIn));
  return { dW: Float32Array.from(layer.weights.grad.subarray(0, nOut * nIn)), db: Float32Array.from(layer.biases.grad.subarray(0, nOut)), dx };
}

for (const accumulate of [false, true])
  test(`the sparse backward equals the dense one (wasm: bit for bit; reference: within rounding)${accumulate ? ', accumulating' : ''}`, async () => {
    enableRelaxedSimd();
    const wasm = await createWasmKernels();
    for (const [batch, nIn, nOut] of [[10, 37, 50], [1, 9, 24], [13, 64, 33]] as const) {
      const dense = gradients(wasm, false, batch, nIn, nOut, accumulate);
      const sparse = gradients(wasm, true, batch, nIn, nOut, accumulate);
      assert.deepEqual(sparse.dW, dense.dW, `dW, ${batch}×${nIn}→${nOut}`);
      assert.deepEqual(sparse.dx, dense.dx, `input error, ${batch}×${nIn}→${nOut}`);
      assert.deepEqual(sparse.db, dense.db);
      const ref = gradients(referenceKernels, false, batch, nIn, nOut, accumulate);
      ref.dW.forEach((v, i) => assert.ok(Math.abs(sparse.dW[i]! - v) <= 1e-6 + 1e-5 * Math.abs(v), `dW[${i}]: ${sparse.dW[i]} vs reference ${v}`));
      ref.dx.forEach((v, i) => assert.ok(Math.abs(sparse.dx[i]! - v) <= 1e-6 + 1e-5 * Math.abs(v), `dx[${i}]: ${sparse.dx[i]} vs reference ${v}`));
      assert.ok(dense.dW.some((v) => v !== 0.25) && dense.dx.some((v) => v !== 0), 'the gradients are not trivially zero');
    }
  });

test('the sparse path is the one taken: a NaN weight of a unit whose δ is all zero reaches the input error only densely', async () => {
  enableRelaxedSimd();
  const wasm = await createWasmKernels();
  const inputError = (sparseError: boolean) => {
    const layer = new Dense([6], 5, { kernels: wasm, rng: new Rng(1), init: 'default', index: 0, sparseError });
    layer.setCapacity(4);
    layer.weights.value[2 * 6 + 3] = NaN; // w_23: unit 2's weight from input 3
    const x = wasm.alloc(4 * 6).fill(1);
    const delta = wasm.alloc(4 * 5);
    for (let e = 0; e < 4; e++) delta[e * 5 + 4] = 0.5; // only unit 4 has an error (δ at most half nonzero)
    layer.forward(x, 4);
    return Array.from(layer.backward(delta, 4, true)!.subarray(0, 4 * 6));
  };
  assert.ok(inputError(true).every(Number.isFinite), 'sparse: unit 2 is skipped');
  assert.ok(inputError(false).some(Number.isNaN), 'dense: 0 · NaN = NaN');
});
