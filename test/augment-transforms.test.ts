import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../src/core/rng.js';
import {
  AugmentPipeline,
  BOOK_SHIFTS,
  BookShift,
  composeRotation,
  composeScale,
  composeShift,
  composeSkew,
  Elastic,
  gaussianKernel,
  imageDims,
  shiftExact,
  warp,
  WarpMap,
  type ImageDims,
} from '../src/data/augment/index.js';

/** A deterministic, asymmetric test image with values in [0, 1]. */
function pattern(d: ImageDims, seed = 7): Float32Array {
  const r = new Rng(seed);
  const a = new Float32Array(d.c * d.h * d.w);
  for (let i = 0; i < a.length; i++) a[i] = r.uniform();
  return a;
}

function apply(src: Float32Array, d: ImageDims, compose: (m: WarpMap) => void): Float32Array {
  const m = new WarpMap(d);
  compose(m);
  const out = new Float32Array(src.length);
  warp(src, 0, out, 0, m);
  return out;
}

function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]! - b[i]!) > tol) assert.fail(`${what}: index ${i}: ${a[i]} vs ${b[i]}`);
}

const D: ImageDims = { c: 1, h: 7, w: 9 };

test('imageDims reads [c,h,w], [h,w] and square vectors', () => {
  assert.deepEqual(imageDims([3, 32, 32]), { c: 3, h: 32, w: 32 });
  assert.deepEqual(imageDims([784]), { c: 1, h: 28, w: 28 });
  assert.equal(imageDims([10]), null);
});

test('the identity map copies exactly', () => {
  const src = pattern(D);
  assert.deepEqual(apply(src, D, () => {}), src);
});

test('a whole-pixel shift moves a pixel where it should, vacated pixels 0', () => {
  const src = new Float32Array(D.h * D.w);
  src[2 * D.w + 3] = 0.75; // (x=3, y=2)
  const out = apply(src, D, (m) => composeShift(m, 2, -1)); // right 2, up 1
  const expect = new Float32Array(D.h * D.w);
  expect[1 * D.w + 5] = 0.75;
  assert.deepEqual(out, expect);
  // a whole image: a shift by (dx, dy) equals shiftExact, with the vacated columns zero
  const img = pattern(D);
  const a = apply(img, D, (m) => composeShift(m, -2, 3));
  const b = new Float32Array(img.length);
  shiftExact(img, 0, b, 0, D, -2, 3);
  assert.deepEqual(a, b);
  for (let y = 0; y < 3; y++) for (let x = 0; x < D.w; x++) assert.equal(a[y * D.w + x], 0);
  for (let y = 0; y < D.h; y++) for (let x = D.w - 2; x < D.w; x++) assert.equal(a[y * D.w + x], 0);
});

test('a half-pixel shift averages neighbours (bilinear)', () => {
  const src = new Float32Array(D.h * D.w);
  src[3 * D.w + 4] = 1;
  const out = apply(src, D, (m) => composeShift(m, 0.5, 0));
  assert.ok(Math.abs(out[3 * D.w + 4]! - 0.5) < 1e-6);
  assert.ok(Math.abs(out[3 * D.w + 5]! - 0.5) < 1e-6);
  assert.ok(Math.abs(out.reduce((s, v) => s + v, 0) - 1) < 1e-6);
});

test("the book's four shifts: expand_mnist.py's np.roll with the wrapped row/column zeroed", () => {
  const d: ImageDims = { c: 1, h: 28, w: 28 };
  const img = new Uint8Array(784);
  for (let i = 0; i < 784; i++) img[i] = (i * 37 + 11) % 256;
  // np.roll(image, d, axis) then zero row 0 / row 27 / column 0 / column 27
  const roll = (dy: number, dx: number) => {
    const o = new Uint8Array(784);
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) o[((y + dy + 28) % 28) * 28 + ((x + dx + 28) % 28)] = img[y * 28 + x]!;
    return o;
  };
  const expected = [
    (() => { const o = roll(1, 0); o.fill(0, 0, 28); return o; })(),
    (() => { const o = roll(-1, 0); o.fill(0, 27 * 28, 28 * 28); return o; })(),
    (() => { const o = roll(0, 1); for (let y = 0; y < 28; y++) o[y * 28] = 0; return o; })(),
    (() => { const o = roll(0, -1); for (let y = 0; y < 28; y++) o[y * 28 + 27] = 0; return o; })(),
  ];
  BOOK_SHIFTS.forEach(([dx, dy], k) => {
    const out = new Uint8Array(784);
    shiftExact(img, 0, out, 0, d, dx, dy);
    assert.deepEqual(out, expected[k], `shift ${k} (${dx}, ${dy})`);
  });
});

test('book-shift draws the original and the four shifts, nothing else', () => {
  const seen = new Set<string>();
  const r = new Rng(3);
  const m = new WarpMap(D);
  const b = new BookShift();
  for (let i = 0; i < 200; i++) {
    m.reset();
    b.draw(r, m);
    seen.add(`${m.affine[2]},${m.affine[5]}`);
  }
  assert.deepEqual([...seen].sort(), ['-1,0', '0,-1', '0,0', '0,1', '1,0'].sort());
});

test('rotation by 0 is the identity; by 360 too (within float error)', () => {
  const src = pattern(D);
  assert.deepEqual(apply(src, D, (m) => composeRotation(m, 0)), src);
  assertClose(apply(src, D, (m) => composeRotation(m, 360)), src, 1e-5, 'rotate 360');
});

test('rotation by 90° of a square image is the transpose flipped upside down (counter-clockwise)', () => {
  const d: ImageDims = { c: 2, h: 6, w: 6 };
  const src = pattern(d);
  const out = apply(src, d, (m) => composeRotation(m, 90));
  const expect = new Float32Array(src.length);
  const n = 6;
  for (let c = 0; c < 2; c++)
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) expect[c * 36 + y * n + x] = src[c * 36 + x * n + (n - 1 - y)]!; // transpose, then flip rows
  assertClose(out, expect, 1e-5, 'rotate 90');
  // a pixel right of the centre goes to above the centre
  const one = new Float32Array(36);
  one[2 * 6 + 5] = 1; // odd size would be exact; here (x=5, y=2)
  const r = apply(one, { c: 1, h: 6, w: 6 }, (m) => composeRotation(m, 90));
  assert.ok(Math.abs(r[0 * 6 + 2]! - 1) < 1e-5, 'x=5,y=2 → x=2,y=0');
});

test('four rotations by 90° give the image back', () => {
  const d: ImageDims = { c: 1, h: 5, w: 5 };
  let img = pattern(d);
  const src = img;
  for (let k = 0; k < 4; k++) img = apply(img, d, (m) => composeRotation(m, 90));
  assertClose(img, src, 1e-5, 'rotate 4×90');
});

test('skew 0 and scale 1 are the identity; skew moves rows in proportion to their distance from the centre', () => {
  const src = pattern(D);
  assert.deepEqual(apply(src, D, (m) => composeSkew(m, 0)), src);
  assert.deepEqual(apply(src, D, (m) => composeScale(m, 1)), src);
  const one = new Float32Array(D.h * D.w);
  one[5 * D.w + 4] = 1; // y=5 is 2 rows below the centre (cy = 3)
  const out = apply(one, D, (m) => composeSkew(m, 0.5));
  assert.ok(Math.abs(out[5 * D.w + 5]! - 1) < 1e-6, 'moved one pixel right');
  const up = new Float32Array(D.h * D.w);
  up[1 * D.w + 4] = 1; // 2 rows above the centre
  assert.ok(Math.abs(apply(up, D, (m) => composeSkew(m, 0.5))[1 * D.w + 3]! - 1) < 1e-6, 'moved one pixel left');
});

test('scaling by 2 about the centre maps offset (u, v) to (2u, 2v)', () => {
  const d: ImageDims = { c: 1, h: 9, w: 9 }; // centre (4, 4)
  const one = new Float32Array(81);
  one[5 * 9 + 5] = 1; // offset (1, 1)
  const out = apply(one, d, (m) => composeScale(m, 2));
  assert.ok(Math.abs(out[6 * 9 + 6]! - 1) < 1e-6);
});

test('composition: shift then rotate equals rotating the shifted image (one interpolation)', () => {
  const d: ImageDims = { c: 1, h: 7, w: 7 };
  const src = pattern(d);
  const both = apply(src, d, (m) => { composeShift(m, 1, 2); composeRotation(m, 90); });
  const stepwise = apply(apply(src, d, (m) => composeShift(m, 1, 2)), d, (m) => composeRotation(m, 90));
  assertClose(both, stepwise, 1e-5, 'shift∘rotate');
});

test('elastic with α = 0 is the identity; with α > 0 it moves pixels but keeps values in [0, 1]', () => {
  const d: ImageDims = { c: 1, h: 28, w: 28 };
  const src = pattern(d);
  const r = new Rng(5);
  assert.deepEqual(apply(src, d, (m) => new Elastic(0, 4, d).draw(r, m)), src);
  const out = apply(src, d, (m) => new Elastic(34, 4, d).draw(r, m));
  assert.notDeepEqual(out, src);
  for (const v of out) assert.ok(v >= 0 && v <= 1 + 1e-6);
});

test('elastic field: smoothed uniform noise, scaled by α; larger σ gives a smoother, smaller field', () => {
  const d: ImageDims = { c: 1, h: 28, w: 28 };
  const rms = (sigma: number, alpha: number) => {
    const m = new WarpMap(d);
    new Elastic(alpha, sigma, d).draw(new Rng(11), m);
    let s = 0;
    for (let i = 0; i < m.fieldX.length; i++) s += m.fieldX[i]! ** 2;
    return Math.sqrt(s / m.fieldX.length);
  };
  assert.ok(Math.abs(rms(4, 68) / rms(4, 34) - 2) < 1e-5, 'linear in α');
  assert.ok(rms(8, 34) < rms(4, 34) && rms(4, 34) < rms(1, 34), 'smaller for larger σ');
  // uniform(−1, 1) has variance 1/3; a normalized 2-D Gaussian keeps Σk² = 1/(4πσ²) of it
  const m = new WarpMap(d);
  const el = new Elastic(1, 4, d);
  const r = new Rng(2);
  let ss = 0;
  let n = 0;
  for (let t = 0; t < 200; t++) {
    m.reset();
    el.draw(r, m);
    for (let y = 12; y < 16; y++) for (let x = 12; x < 16; x++) (ss += m.fieldX[y * 28 + x]! ** 2), n++;
  }
  const theory = Math.sqrt(1 / 3 / (4 * Math.PI * 16));
  assert.ok(Math.abs(Math.sqrt(ss / n) / theory - 1) < 0.1, `field std ${Math.sqrt(ss / n)} vs ${theory}`);
  const k = gaussianKernel(4, 16);
  assert.ok(Math.abs(k.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.equal(k[16], Math.max(...k));
});

test('the pipeline is deterministic for a seed and differs across seeds', () => {
  const d: ImageDims = { c: 1, h: 28, w: 28 };
  const src = pattern(d);
  const p = AugmentPipeline.fromSpec('shift:2,rotate:15,skew:0.3,scale:0.1,elastic:34:4', [1, 28, 28]);
  const run = (seed: number) => {
    const r = new Rng(seed);
    const out = new Float32Array(784 * 3);
    for (let k = 0; k < 3; k++) p.apply(src, 0, 1, out, k * 784, r);
    return out;
  };
  assert.deepEqual(run(42), run(42));
  assert.notDeepEqual(run(42), run(43));
  // a fresh pipeline built from the same spec gives the same images
  const q = AugmentPipeline.fromSpec('shift:2,rotate:15,skew:0.3,scale:0.1,elastic:34:4', [784]);
  const out = new Float32Array(784);
  q.apply(src, 0, 1, out, 0, new Rng(42));
  assert.deepEqual(out, run(42).subarray(0, 784));
});

test('pipeline probabilities: p=0 leaves every image unchanged; byte input is scaled to [0, 1]', () => {
  const p = AugmentPipeline.fromSpec('rotate:30,elastic,p=0', [1, 28, 28]);
  const bytes = new Uint8Array(784).map((_, i) => i % 256);
  const out = new Float32Array(784);
  const r = new Rng(1);
  for (let k = 0; k < 20; k++) {
    p.apply(bytes, 0, 1 / 255, out, 0, r);
    for (let i = 0; i < 784; i++) assert.equal(out[i], Math.fround(bytes[i]! * (1 / 255)));
  }
  // @0.5 on a step: about half the images are rotated
  const half = AugmentPipeline.fromSpec('rotate:30@0.5', [1, 28, 28]);
  let changed = 0;
  const img = pattern({ c: 1, h: 28, w: 28 });
  for (let k = 0; k < 400; k++) {
    half.apply(img, 0, 1, out, 0, r);
    if (out.some((v, i) => v !== img[i])) changed++;
  }
  assert.ok(changed > 150 && changed < 250, `changed ${changed} of 400`);
});

test('elastic field: the same numbers as the plain separable smoothing (one output at a time, a float32 row pass)', () => {
  for (const [h, w, sigma] of [[28, 28, 6], [28, 29, 4], [9, 5, 1.5]] as const) {
    const d: ImageDims = { c: 1, h, w };
    const r = Math.max(1, Math.ceil(3 * sigma));
    const k = Float32Array.from(gaussianKernel(sigma, r));
    // the plain form, with the draws Elastic makes: (u >>> 16, u & 0xffff) → (k + ½)/2¹⁵ − 1
    const plain = (rng: Rng, alpha: number): [Float32Array, Float32Array] => {
      const fx = new Float64Array(h * w), fy = new Float64Array(h * w);
      for (let i = 0; i < h * w; i++) {
        const u = rng.nextUint32();
        fx[i] = Math.fround(((u >>> 16) + 0.5) / 32768 - 1);
        fy[i] = Math.fround(((u & 0xffff) + 0.5) / 32768 - 1);
      }
      const at = (f: Float64Array | Float32Array, y: number, x: number) => (y < 0 || y >= h || x < 0 || x >= w ? 0 : f[y * w + x]!);
      return [fx, fy].map((f) => {
        const t = new Float32Array(h * w);
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
          let s = k[r]! * at(f, y, x);
          for (let j = 1; j <= r; j++) s += k[r + j]! * (at(f, y, x - j) + at(f, y, x + j));
          t[y * w + x] = s;
        }
        const out = new Float32Array(h * w);
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
          let s = k[r]! * at(t, y, x);
          for (let j = 1; j <= r; j++) s += k[r + j]! * (at(t, y - j, x) + at(t, y + j, x));
          out[y * w + x] = alpha * s;
        }
        return out;
      }) as [Float32Array, Float32Array];
    };
    const el = new Elastic(34, sigma, d);
    const a = new Rng(21), b = new Rng(21);
    for (let t = 0; t < 5; t++) {
      const m = new WarpMap(d);
      el.draw(a, m);
      const [fx, fy] = plain(b, 34);
      assert.deepEqual(m.fieldX, fx, `${h}×${w}, σ ${sigma}: Δx`);
      assert.deepEqual(m.fieldY, fy, `${h}×${w}, σ ${sigma}: Δy`);
    }
  }
});
