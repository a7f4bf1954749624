import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PaddingName } from '../src/core/config.js';
import { Rng } from '../src/core/rng.js';
import { referenceKernels } from '../src/kernels/reference.js';
import { createWasmKernels } from '../src/kernels/index.js';
import { CONV_COLUMN_BUDGET, Conv2d, ROW_PATCH_MIN, convOutputSize } from '../src/layers/conv2d.js';
import type { LayerContext } from '../src/layers/layer.js';
import { projectedOutput } from './support/projected-output.js';

const k = referenceKernels;

function ctx(seed = 1, kernels = k): LayerContext {
  return { kernels, rng: new Rng(seed), init: 'default', index: 0 };
}

function randomArray(n: number, rng: Rng, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * scale;
  return a;
}

interface Case { c: number; h: number; w: number; filters: number; kernel: number; stride: number; padding: PaddingName }

/** A direct, loop-by-loop convolution in float64, independent of im2col. */
function directConv(layer: Conv2d, x: Float32Array, batch: number, cs: Case): Float64Array {
  const [, oh, ow] = layer.outputShape as [number, number, number];
  const py = convOutputSize(cs.h, cs.kernel, cs.stride, cs.padding).pad;
  const px = convOutputSize(cs.w, cs.kernel, cs.stride, cs.padding).pad;
  const W = layer.weights.value;
  const b = layer.biases.value;
  const out = new Float64Array(batch * cs.filters * oh * ow);
  for (let e = 0; e < batch; e++)
    for (let f = 0; f < cs.filters; f++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          let s = b[f]!;
          for (let ch = 0; ch < cs.c; ch++)
            for (let l = 0; l < cs.kernel; l++)
              for (let m = 0; m < cs.kernel; m++) {
                const iy = oy * cs.stride + l - py;
                const ix = ox * cs.stride + m - px;
                if (iy < 0 || iy >= cs.h || ix < 0 || ix >= cs.w) continue;
                s += W[((f * cs.c + ch) * cs.kernel + l) * cs.kernel + m]! * x[((e * cs.c + ch) * cs.h + iy) * cs.w + ix]!;
              }
          out[((e * cs.filters + f) * oh + oy) * ow + ox] = s;
        }
  return out;
}

function close(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol * (1 + Math.abs(expected)), `${what}: got ${actual}, expected ${expected}`);
}

const CASES: Case[] = [
  { c: 1, h: 7, w: 6, filters: 2, kernel: 3, stride: 1, padding: 'valid' },
  { c: 3, h: 7, w: 7, filters: 4, kernel: 3, stride: 2, padding: 'same' },
  { c: 2, h: 8, w: 5, filters: 3, kernel: 4, stride: 2, padding: 'same' },
  { c: 2, h: 6, w: 6, filters: 3, kernel: 5, stride: 1, padding: 'same' },
  { c: 3, h: 9, w: 9, filters: 2, kernel: 3, stride: 2, padding: 'valid' },
  { c: 2, h: 5, w: 5, filters: 2, kernel: 2, stride: 3, padding: 'valid' },
];
const label = (cs: Case) => `c${cs.c} ${cs.h}x${cs.w} conv ${cs.filters}x${cs.kernel}x${cs.kernel} stride ${cs.stride} ${cs.padding}`;

test('conv2d forward equals a direct convolution (valid and same padding, strides 1-3, several channels)', () => {
  const rng = new Rng(7);
  for (const cs of CASES) {
    const layer = new Conv2d([cs.c, cs.h, cs.w], cs.filters, cs.kernel, cs.stride, cs.padding, ctx());
    const batch = 3;
    layer.setCapacity(batch);
    const x = randomArray(batch * cs.c * cs.h * cs.w, rng);
    const out = layer.forward(x, batch);
    const ref = directConv(layer, x, batch, cs);
    for (let i = 0; i < ref.length; i++) close(out[i]!, ref[i]!, 1e-5, `${label(cs)} output ${i}`);
  }
});

/**
 * Central finite differences of L = Σ r ⊙ conv(x), computed in float64 from the float32 outputs,
 * against the layer's backward pass given δ = r. The convolution is linear in each weight and
 * input, so a large ε has no truncation error and keeps float32 rounding small beside the step.
 */
test('conv2d gradients match central finite differences (weights, biases, inputs)', () => {
  const rng = new Rng(11);
  const eps = 1e-2;
  for (const cs of CASES) {
    const batch = 2;
    const layer = new Conv2d([cs.c, cs.h, cs.w], cs.filters, cs.kernel, cs.stride, cs.padding, ctx(3));
    layer.setCapacity(batch);
    const inSize = cs.c * cs.h * cs.w;
    const outN = batch * cs.filters * layer.outputShape[1]! * layer.outputShape[2]!;
    const x = randomArray(batch * inSize, rng);
    const r = randomArray(outN, rng);
    const loss = projectedOutput(layer, x, r, batch);
    loss();
    const dx = Float32Array.from(layer.backward(r, batch, true)!.subarray(0, batch * inSize));
    const dW = Float32Array.from(layer.weights.grad);
    const db = Float32Array.from(layer.biases.grad);
    const numeric = (v: Float32Array, i: number) => {
      const old = v[i]!;
      v[i] = old + eps;
      const lp = loss();
      v[i] = old - eps;
      const lm = loss();
      v[i] = old;
      return (lp - lm) / (2 * eps);
    };
    for (let i = 0; i < dW.length; i++) close(dW[i]!, numeric(layer.weights.value, i), 2e-3, `${label(cs)} dW[${i}]`);
    for (let i = 0; i < db.length; i++) close(db[i]!, numeric(layer.biases.value, i), 2e-3, `${label(cs)} db[${i}]`);
    for (let i = 0; i < dx.length; i++) close(dx[i]!, numeric(x, i), 2e-3, `${label(cs)} dx[${i}]`);
  }
});

test('conv2d gives the same forward and gradients when a batch is split into im2col chunks', () => {
  // 8 channels of 64x64 with 3x3 kernels: one example's columns exceed half the budget, so a
  // batch of 3 is done one example at a time. Compared with a direct float64 computation.
  const cs: Case = { c: 8, h: 64, w: 64, filters: 2, kernel: 3, stride: 1, padding: 'same' };
  const batch = 3;
  const rng = new Rng(5);
  const layer = new Conv2d([cs.c, cs.h, cs.w], cs.filters, cs.kernel, cs.stride, cs.padding, ctx());
  layer.setCapacity(batch);
  const x = randomArray(batch * cs.c * cs.h * cs.w, rng);
  const out = layer.forward(x, batch);
  const ref = directConv(layer, x, batch, cs);
  for (let i = 0; i < ref.length; i += 97) close(out[i]!, ref[i]!, 1e-5, `output ${i}`);
  // δ = one-hot at a few positions: dW[f,c,l,m] then equals the input the filter saw there.
  const delta = new Float32Array(ref.length);
  const plane = cs.h * cs.w;
  const spots = [[0, 0, 10, 20], [1, 1, 63, 0], [2, 0, 31, 31]] as const;
  for (const [e, f, y, xx] of spots) delta[((e * cs.filters + f) * cs.h + y) * cs.w + xx] = 1;
  const dx = layer.backward(delta, batch, true)!;
  for (let ch = 0; ch < cs.c; ch++)
    for (let l = 0; l < 3; l++)
      for (let m = 0; m < 3; m++)
        for (let f = 0; f < cs.filters; f++) {
          let want = 0;
          for (const [e, ff, y, xx] of spots) {
            if (ff !== f) continue;
            const iy = y + l - 1;
            const ix = xx + m - 1;
            if (iy >= 0 && iy < cs.h && ix >= 0 && ix < cs.w) want += x[(e * cs.c + ch) * plane + iy * cs.w + ix]!;
          }
          close(layer.weights.grad[((f * cs.c + ch) * 3 + l) * 3 + m]!, want, 1e-5, `dW[${f},${ch},${l},${m}]`);
        }
  close(layer.biases.grad[0]!, 2, 1e-6, 'db[0]');
  close(layer.biases.grad[1]!, 1, 1e-6, 'db[1]');
  // dx: each spot's filter, laid over the window that produced it (zero elsewhere).
  const want = new Float64Array(batch * cs.c * plane);
  for (const [e, f, y, xx] of spots)
    for (let ch = 0; ch < cs.c; ch++)
      for (let l = 0; l < 3; l++)
        for (let m = 0; m < 3; m++) {
          const iy = y + l - 1;
          const ix = xx + m - 1;
          if (iy >= 0 && iy < cs.h && ix >= 0 && ix < cs.w) want[(e * cs.c + ch) * plane + iy * cs.w + ix]! += layer.weights.value[((f * cs.c + ch) * 3 + l) * 3 + m]!;
        }
  for (let i = 0; i < want.length; i++) close(dx[i]!, want[i]!, 1e-6, `dx[${i}]`);
});

test('conv2d output shapes for odd image sizes, strides and both paddings', () => {
  const shape = (h: number, w: number, kk: number, s: number, p: PaddingName) => new Conv2d([2, h, w], 3, kk, s, p, ctx()).outputShape.join('x');
  assert.equal(shape(28, 28, 5, 1, 'valid'), '3x24x24');
  assert.equal(shape(12, 12, 5, 1, 'valid'), '3x8x8');
  assert.equal(shape(7, 9, 3, 1, 'valid'), '3x5x7');
  assert.equal(shape(7, 9, 3, 2, 'valid'), '3x3x4');
  assert.equal(shape(7, 9, 3, 1, 'same'), '3x7x9');
  assert.equal(shape(7, 9, 3, 2, 'same'), '3x4x5');
  assert.equal(shape(13, 13, 4, 3, 'same'), '3x5x5');
  assert.equal(shape(5, 5, 5, 1, 'valid'), '3x1x1');
  assert.throws(() => shape(4, 9, 5, 1, 'valid'), /5x5 convolution that fits its 4x9 input/);
  assert.throws(() => new Conv2d([784], 3, 5, 1, 'valid', ctx()), /channels x height x width/);
});

test('conv2d parameters: weights [filters, c, k, k] decayed with one unit per filter, biases not decayed', () => {
  const layer = new Conv2d([3, 10, 10], 4, 5, 1, 'valid', ctx());
  const [w, b] = layer.params();
  assert.deepEqual(w!.shape, [4, 3, 5, 5]);
  assert.equal(w!.decay, true);
  assert.equal(w!.units, 4);
  assert.deepEqual(b!.shape, [4]);
  assert.equal(b!.decay, false);
  // default init: N(0, 1/fan-in), fan-in = c·k·k = 75
  let s = 0;
  for (const v of w!.value) s += v * v;
  const sd = Math.sqrt(s / w!.size);
  assert.ok(Math.abs(sd - 1 / Math.sqrt(75)) < 0.03, `weight sd ${sd}`);
});

test('conv2d: the wasm backend\'s sparse backward equals the reference, for a max-pooling δ (3/4 zeros) and a dense one, forward by rows and by columns', async () => {
  const wasm = await createWasmKernels();
  const cases: Case[] = [
    { c: 20, h: 12, w: 12, filters: 8, kernel: 5, stride: 1, padding: 'valid' }, // 500 inputs a patch: forward by rows
    { c: 1, h: 14, w: 12, filters: 5, kernel: 5, stride: 1, padding: 'same' }, // 25: forward by columns
  ];
  assert.ok(cases[0]!.c * 25 >= ROW_PATCH_MIN && cases[1]!.c * 25 < ROW_PATCH_MIN);
  for (const cs of cases) {
    const batch = 3;
    const rng = new Rng(9);
    const x = randomArray(batch * cs.c * cs.h * cs.w, rng);
    const layers = [k, wasm].map((kernels) => {
      const layer = new Conv2d([cs.c, cs.h, cs.w], cs.filters, cs.kernel, cs.stride, cs.padding, ctx(4, kernels));
      layer.setCapacity(batch);
      return layer;
    });
    const [, oh, ow] = layers[0]!.outputShape as [number, number, number];
    const plane = oh * ow, outN = batch * cs.filters * plane;
    const pooled = new Float32Array(outN); // one nonzero in each 2×2 window of each plane
    for (let pl = 0; pl < batch * cs.filters; pl++)
      for (let wy = 0; wy < oh / 2; wy++) for (let wx = 0; wx < ow / 2; wx++) pooled[pl * plane + (2 * wy + rng.int(2)) * ow + 2 * wx + rng.int(2)] = rng.normal();
    for (const [what, delta] of [['max-pooling δ', pooled], ['dense δ', randomArray(outN, rng)]] as const) {
      const got = layers.map((layer, i) => {
        const xs = i === 0 ? x : wasm.alloc(x.length);
        if (i > 0) xs.set(x);
        const out = Float32Array.from(layer.forward(xs, batch).subarray(0, outN));
        const d = i === 0 ? delta : wasm.alloc(outN);
        if (i > 0) d.set(delta);
        const dx = Float32Array.from(layer.backward(d, batch, true)!.subarray(0, x.length));
        const dW = Float32Array.from(layer.weights.grad), db = Float32Array.from(layer.biases.grad);
        layer.backward(d, batch, false, true); // a second part: added to the gradients
        return { out, dx, dW, db, dW2: Float32Array.from(layer.weights.grad), db2: Float32Array.from(layer.biases.grad) };
      });
      const [ref, fast] = got as [(typeof got)[0], (typeof got)[0]];
      for (const key of ['out', 'dx', 'dW', 'db', 'dW2', 'db2'] as const)
        for (let i = 0; i < ref[key].length; i++) close(fast[key][i]!, ref[key][i]!, 1e-5, `${label(cs)}, ${what}: ${key}[${i}]`);
    }
  }
});

test('conv2d buffers for a large batch stay within the chunk budget, many filters included (the sparse lists count)', () => {
  // 64 filters of 3×3 on 1×28×28: 9 inputs a patch, but the sparse products list about 2·64 floats a position
  const sizes: number[] = [];
  const counting = { ...k, alloc: (n: number) => (sizes.push(n), new Float32Array(n)) };
  const layer = new Conv2d([1, 28, 28], 64, 3, 1, 'valid', ctx(1, counting));
  sizes.length = 0;
  layer.setCapacity(250);
  const byBatch = [250 * 64 * 26 * 26, 250 * 28 * 28]; // the output and the input error: one block an example, as in every layer
  const chunkBuffers = sizes.filter((n) => !byBatch.includes(n));
  assert.equal(sizes.length - chunkBuffers.length, 2);
  for (const n of chunkBuffers) assert.ok(n <= 1.1 * CONV_COLUMN_BUDGET, `a chunk buffer of ${n} floats (budget ${CONV_COLUMN_BUDGET})`);
});
