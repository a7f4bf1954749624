import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../src/core/rng.js';
import { referenceKernels } from '../src/kernels/reference.js';
import { Flatten } from '../src/layers/flatten.js';
import type { LayerContext } from '../src/layers/layer.js';
import { Pool2d, type PoolMode } from '../src/layers/pool.js';
import { projectedOutput } from './support/projected-output.js';

const ctx: LayerContext = { kernels: referenceKernels, rng: new Rng(1), init: 'default', index: 0 };

/** Distinct values 0.1 apart in random order, so that a ±ε step never changes a window's maximum. */
function distinctValues(n: number, rng: Rng): Float32Array {
  const a = Float32Array.from({ length: n }, (_, i) => (i - n / 2) * 0.1);
  rng.shuffle(a);
  return a;
}

test('max-pooling picks each window maximum; average-pooling its mean', () => {
  // one 4x4 plane, 2x2 windows
  const x = Float32Array.from([1, 2, 5, 0, 3, 4, -1, -2, 9, 8, 0, 0, 7, 6, 0, 1]);
  const max = new Pool2d([1, 4, 4], 'max', 2, 2, ctx);
  max.setCapacity(1);
  assert.deepEqual([...max.forward(x, 1)], [4, 5, 9, 1]);
  const dx = max.backward(Float32Array.from([10, 20, 30, 40]), 1, true)!;
  assert.deepEqual([...dx], [0, 0, 20, 0, 0, 10, 0, 0, 30, 0, 0, 0, 0, 0, 0, 40]);
  const avg = new Pool2d([1, 4, 4], 'avg', 2, 2, ctx);
  avg.setCapacity(1);
  assert.deepEqual([...avg.forward(x, 1)], [2.5, 0.5, 7.5, 0.25]);
  const da = avg.backward(Float32Array.from([4, 8, 12, 16]), 1, true)!;
  assert.deepEqual([...da], [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
});

const CASES: { c: number; h: number; w: number; size: number; stride: number }[] = [
  { c: 2, h: 6, w: 6, size: 2, stride: 2 },
  { c: 3, h: 7, w: 5, size: 2, stride: 2 },
  { c: 1, h: 9, w: 9, size: 3, stride: 2 },
  { c: 2, h: 5, w: 7, size: 3, stride: 1 },
  { c: 2, h: 8, w: 8, size: 3, stride: 3 },
];

/** Central finite differences of L = Σ r ⊙ pool(x) against the backward pass with δ = r. */
for (const mode of ['max', 'avg'] as PoolMode[])
  test(`${mode}-pooling gradients match central finite differences (overlapping windows, odd sizes, dropped edges)`, () => {
    const rng = new Rng(3);
    const eps = 1e-2;
    for (const cs of CASES) {
      const batch = 2;
      const layer = new Pool2d([cs.c, cs.h, cs.w], mode, cs.size, cs.stride, ctx);
      layer.setCapacity(batch);
      const inN = batch * cs.c * cs.h * cs.w;
      const outN = batch * cs.c * layer.outputShape[1]! * layer.outputShape[2]!;
      const x = distinctValues(inN, rng);
      const r = Float32Array.from({ length: outN }, () => rng.normal());
      const loss = projectedOutput(layer, x, r, batch);
      loss();
      const dx = Float32Array.from(layer.backward(r, batch, true)!.subarray(0, inN));
      for (let i = 0; i < inN; i++) {
        const old = x[i]!;
        x[i] = old + eps;
        const lp = loss();
        x[i] = old - eps;
        const lm = loss();
        x[i] = old;
        const num = (lp - lm) / (2 * eps);
        assert.ok(Math.abs(dx[i]! - num) <= 1e-3 * (1 + Math.abs(num)), `${mode} ${JSON.stringify(cs)} dx[${i}]: backward ${dx[i]}, numeric ${num}`);
      }
    }
  });

test('pooling and flatten output shapes for odd image sizes', () => {
  const shape = (h: number, w: number, size: number, stride: number) => new Pool2d([3, h, w], 'max', size, stride, ctx).outputShape.join('x');
  assert.equal(shape(24, 24, 2, 2), '3x12x12');
  assert.equal(shape(8, 8, 2, 2), '3x4x4');
  assert.equal(shape(7, 7, 2, 2), '3x3x3');
  assert.equal(shape(7, 9, 3, 2), '3x3x4');
  assert.equal(shape(5, 5, 3, 1), '3x3x3');
  assert.equal(shape(5, 5, 5, 5), '3x1x1');
  assert.throws(() => shape(3, 5, 4, 4), /pooling window that fits its 3x5 input/);
  assert.throws(() => new Pool2d([30], 'avg', 2, 2, ctx), /channels x height x width/);
  assert.deepEqual(new Flatten([40, 3, 5]).outputShape, [600]);
  const f = new Flatten([2, 3, 3]);
  const x = new Float32Array(36);
  assert.equal(f.forward(x), x);
  assert.equal(f.backward(x, 2, true), x);
  assert.equal(f.backward(x, 2, false), null);
});
