/**
 * Every fast kernel against the reference, on random inputs of many shapes (odd and tiny ones
 * included), for each fast backend: the WebAssembly SIMD backend on shared memory, the same on a
 * plain memory (the browser fallback), and the threaded backend with 2 workers (with its threshold
 * lowered so that even small products are split across threads).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { after, describe, test } from 'node:test';
import { Rng } from '../src/core/rng.js';
import { sparseWorkSize, type Kernels } from '../src/kernels/kernels.js';
import { referenceKernels as R } from '../src/kernels/reference.js';
import { createKernels, createWasmKernels, referenceKernels, wasmFmaSupported } from '../src/kernels/index.js';
import { createNodeKernels, createThreadedKernels, type ThreadedKernels } from '../src/node/threaded-kernels.js';
import { enableRelaxedSimd } from '../src/node/relaxed-simd.js';

const rng = new Rng(20261128);
const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 16, 33, 129];

function rand(n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng.uniform();
  return a;
}
/**
 * Buffers for one test, carved out of one allocation of the backend (views of its memory, at
 * float offsets that are not multiples of 4, so unaligned vector accesses are exercised too).
 */
const scratch = new Map<Kernels, { buf: Float32Array; off: number }>();
function take(k: Kernels, n: number): Float32Array {
  let s = scratch.get(k);
  if (!s) scratch.set(k, (s = { buf: k.alloc(8 * 1024 * 1024), off: 0 }));
  if (s.off + n + 3 > s.buf.length) s.off = 0;
  const v = s.buf.subarray(s.off, s.off + n);
  s.off += n + 3;
  return v;
}
/** A copy of `src` in the backend's memory, followed by `extra` floats. */
function put(k: Kernels, src: Float32Array, extra = 0): Float32Array {
  const a = take(k, src.length + extra);
  a.set(src);
  return a;
}
/** No element of the first n of each array is subnormal (0 < |x| < 2⁻¹²⁶). */
function noSubnormals(arrays: Record<string, Float32Array>, n: number, who: string): void {
  for (const [name, a] of Object.entries(arrays))
    for (let i = 0; i < n; i++) {
      const x = Math.abs(a[i]!);
      assert.ok(x === 0 || x >= 1.1754943508222875e-38, `${who}: ${name}[${i}] = ${a[i]} is subnormal`);
    }
}
/** |got − want| ≤ atol + rtol·|want| for every element of the first n. */
function close(got: Float32Array, want: Float32Array, n: number, what: string, rtol = 1e-5, atol = 1e-6): void {
  for (let i = 0; i < n; i++) {
    const g = got[i]!, w = want[i]!;
    if (!(Math.abs(g - w) <= atol + rtol * Math.abs(w)) && !(Number.isNaN(g) && Number.isNaN(w)))
      assert.fail(`${what}: element ${i} is ${g}, reference ${w}`);
  }
}

interface Backend {
  label: string;
  make: () => Promise<Kernels>;
}
const threaded: ThreadedKernels[] = [];
// Node 20 runs the FMA builds (relaxed SIMD) only with the feature switched on; every build is tested.
const FMA_HERE = enableRelaxedSimd();
const BACKENDS: Backend[] = [false, ...(FMA_HERE ? [true] : [])].flatMap((fma) => {
  const tag = fma ? 'FMA build' : 'mul + add build';
  return [
    { label: `wasm (shared memory, ${tag})`, make: () => createWasmKernels({ fma }) },
    { label: `wasm (plain memory, ${tag})`, make: () => createWasmKernels({ fma, forcePlain: true, plainMemoryMiB: 96 }) },
    {
      label: `wasm-threads (2 workers, every product and split kernel split, ${tag})`,
      make: async () => {
        const k = await createThreadedKernels({ threads: 2, minFlops: 0, minFloats: 0, fma });
        threaded.push(k);
        return k;
      },
    },
  ];
});
after(() => {
  for (const k of threaded) k.close();
});

type Form = 'gemm' | 'gemmNT' | 'gemmTN';
/** Element counts of A and B for each form. */
function gemmSizes(form: Form, m: number, n: number, k: number): [number, number] {
  return form === 'gemm' ? [m * k, k * n] : form === 'gemmNT' ? [m * k, n * k] : [k * m, k * n];
}

/** Image batches, kernel sizes, strides and paddings for the unfolding kernels, with their output sizes. */
function* unfoldCases(kernelSizes: readonly number[]) {
  for (const [count, c, h, w] of [[1, 1, 5, 5], [2, 3, 7, 6], [3, 2, 12, 12], [1, 1, 28, 28]] as const)
    for (const k of kernelSizes)
      for (const stride of [1, 2])
        for (const pad of [0, 1, 2]) {
          if (k > h + 2 * pad || k > w + 2 * pad) continue;
          const oh = Math.floor((h + 2 * pad - k) / stride) + 1, ow = Math.floor((w + 2 * pad - k) / stride) + 1;
          yield { count, c, h, w, k, stride, pad, oh, ow };
        }
}

for (const be of BACKENDS) {
  describe(be.label, () => {
    let K: Kernels;
    test('creates', async () => {
      K = await be.make();
      assert.ok(K.name.startsWith('wasm'));
    });

    for (const form of ['gemm', 'gemmNT', 'gemmTN'] as const) {
      test(`${form} equals the reference on every combination of sizes ${SIZES.join(', ')} and MLP shapes`, () => {
        const shapes: [number, number, number][] = [];
        for (const m of SIZES) for (const n of SIZES) for (const k of [1, 3, 7, 33, 129, 300]) shapes.push([m, n, k]);
        shapes.push([10, 100, 784], [100, 784, 10], [10, 10, 100], [100, 10, 100], [10, 100, 10], [64, 65, 257], [3, 5, 0]);
        for (const [m, n, k] of shapes) {
          const [na, nb] = gemmSizes(form, m, n, k);
          const a = rand(na), b = rand(nb), c0 = rand(m * n);
          for (const acc of [false, true]) {
            const want = c0.slice();
            R[form](m, n, k, a, b, want, acc);
            // the fast buffers are larger than needed, with garbage after the data
            const A = put(K, a, 5), B = put(K, b, 5), C = put(K, c0, 5);
            C[m * n] = 12345;
            K[form](m, n, k, A, B, C, acc);
            close(C, want, m * n, `${form} ${m}x${n}x${k} accumulate=${acc}`, 1e-5, 2e-6 * (k + 1));
            assert.equal(C[m * n], 12345, `${form} wrote past C`);
          }
        }
      });
    }

    test('products whose B is mostly zeros (pixel-like: blank columns, −0) equal the reference, both forms that skip zero panels', () => {
      for (const form of ['gemm', 'gemmTN'] as const)
        for (const [m, n, k] of [[100, 784, 10], [100, 784, 100], [13, 37, 300], [4, 16, 1]] as const) {
          const [na, nb] = gemmSizes(form, m, n, k);
          const a = rand(na);
          // B[p, j]: columns 8..23 blank in every row, −0 sprinkled in, the rest sparse like digits
          const b = rand(nb).map((v, i) => {
            const j = i % n;
            if (j >= 8 && j < 24) return i % 3 === 0 ? -0 : 0;
            return v > 0.5 ? v : 0;
          });
          for (const acc of [false, true]) {
            const c0 = rand(m * n);
            const want = c0.slice();
            R[form](m, n, k, a, b, want, acc);
            const C = put(K, c0);
            K[form](m, n, k, put(K, a), put(K, b), C, acc);
            close(C, want, m * n, `${form} ${m}x${n}x${k} sparse B accumulate=${acc}`, 1e-5, 2e-6 * (k + 1));
            if (!acc) for (let i = 0; i < m; i++) assert.equal(C[i * n + 10], 0, `${form}: a blank column of B gives a zero column of C`);
            else for (let i = 0; i < m; i++) assert.equal(C[i * n + 10], c0[i * n + 10], `${form}: a blank column of B leaves C as it was when accumulating`);
          }
        }
    });

    test('a product split across threads is bit-for-bit the product computed whole', async () => {
      const whole = await createWasmKernels({ fma: K.fma === true });
      for (const form of ['gemm', 'gemmNT', 'gemmTN'] as const)
        for (const [m, n, k] of [[10, 100, 784], [100, 784, 10], [37, 129, 33], [256, 256, 256]] as const) {
          const [na, nb] = gemmSizes(form, m, n, k);
          const a = rand(na), b = rand(nb);
          const C1 = take(whole, m * n), C2 = take(K, m * n);
          whole[form](m, n, k, put(whole, a), put(whole, b), C1, false);
          K[form](m, n, k, put(K, a), put(K, b), C2, false);
          assert.deepStrictEqual(C2, C1, `${form} ${m}x${n}x${k}`);
        }
      // gemmSparseA: sparse and dense A, A and Aᵀ, C and Cᵀ (the threaded backend splits its rows)
      for (const [m, n, k] of [[40, 500, 704], [704, 500, 40], [13, 25, 300]] as const)
        for (const zeros of [0.85, 0.2])
          for (const transposedA of [false, true])
            for (const cT of [false, true])
              for (const acc of [false, true]) {
                const a = rand(m * k).map((v) => (rng.uniform() < zeros ? 0 : v));
                const [ars, aks] = transposedA ? [1, m] : [k, 1];
                const b = rand(k * n), c0 = rand(m * n);
                const C1 = put(whole, c0), C2 = put(K, c0);
                whole.gemmSparseA(m, n, k, put(whole, a), ars, aks, put(whole, b), C1, cT, acc, take(whole, sparseWorkSize(m, k)));
                K.gemmSparseA(m, n, k, put(K, a), ars, aks, put(K, b), C2, cT, acc, take(K, sparseWorkSize(m, k)));
                assert.deepStrictEqual(C2, C1, `gemmSparseA ${m}x${n}x${k} zeros ${zeros} A${transposedA ? 'ᵀ' : ''} C${cT ? 'ᵀ' : ''} accumulate=${acc}`);
              }
    });

    test('rows and columns: addRowVector, columnSums', () => {
      for (const rows of SIZES)
        for (const cols of SIZES) {
          const x = rand(rows * cols), bias = rand(cols), out0 = rand(cols);
          const want = x.slice();
          R.addRowVector(want, bias, rows, cols);
          const X = put(K, x);
          K.addRowVector(X, put(K, bias), rows, cols);
          close(X, want, rows * cols, `addRowVector ${rows}x${cols}`);
          for (const acc of [false, true]) {
            const w2 = out0.slice();
            R.columnSums(x, rows, cols, w2, 0.3, acc);
            const O = put(K, out0);
            K.columnSums(put(K, x), rows, cols, O, 0.3, acc);
            close(O, w2, cols, `columnSums ${rows}x${cols} acc=${acc}`, 1e-5, 1e-5);
          }
        }
    });

    test('neurons forward and backward, on values from −100 to 100', () => {
      for (const n of [...SIZES, 1000, 1001]) {
        const z = rand(n, -6, 6);
        if (n > 8) z.set([0, -0, 30, -30, 100, -100, 1e-5, -1e-5]);
        const da = rand(n);
        for (const f of ['sigmoid', 'tanh', 'relu'] as const) {
          const want = new Float32Array(n);
          R[f](z, want, n);
          const A = take(K, n);
          K[f](put(K, z), A, n);
          close(A, want, n, `${f} n=${n}`, 1e-5, 1e-6);
          const back = `${f}Backward` as const;
          const wantD = new Float32Array(n);
          const first = f === 'relu' ? z : want;
          R[back](first, da, wantD, n);
          const D = take(K, n);
          K[back](put(K, first), put(K, da), D, n);
          close(D, wantD, n, `${back} n=${n}`);
        }
      }
    });

    test('softmax rows forward and backward', () => {
      for (const rows of [1, 2, 3, 10, 33])
        for (const cols of [1, 2, 3, 4, 5, 7, 10, 33, 129]) {
          const n = rows * cols;
          const z = rand(n, -20, 20), da = rand(n);
          const want = new Float32Array(n);
          R.softmaxRows(z, want, rows, cols);
          const A = take(K, n);
          K.softmaxRows(put(K, z), A, rows, cols);
          close(A, want, n, `softmaxRows ${rows}x${cols}`, 1e-5, 1e-7);
          const wantD = new Float32Array(n);
          R.softmaxBackwardRows(want, da, wantD, rows, cols);
          const D = take(K, n);
          K.softmaxBackwardRows(put(K, want), put(K, da), D, rows, cols);
          close(D, wantD, n, `softmaxBackwardRows ${rows}x${cols}`, 1e-5, 1e-6);
        }
    });

    test('element-wise: mul, sub, axpy, scale', () => {
      for (const n of [...SIZES, 1000, 78_503]) {
        const x = rand(n), y = rand(n);
        const want = new Float32Array(n), O = take(K, n);
        R.mul(x, y, want, n);
        K.mul(put(K, x), put(K, y), O, n);
        close(O, want, n, `mul n=${n}`);
        R.sub(x, y, want, n);
        K.sub(put(K, x), put(K, y), O, n);
        close(O, want, n, `sub n=${n}`);
        const yw = y.slice(), Y = put(K, y);
        R.axpy(-0.37, x, yw, n);
        K.axpy(-0.37, put(K, x), Y, n);
        close(Y, yw, n, `axpy n=${n}`);
        const xw = x.slice(), X = put(K, x);
        R.scale(xw, 0.1, n);
        K.scale(X, 0.1, n);
        close(X, xw, n, `scale n=${n}`);
      }
    });

    test('regularizer gradients and every optimizer step', () => {
      for (const n of [1, 3, 7, 33, 129, 1000]) {
        const w = rand(n), g = rand(n), v = rand(n), acc = rand(n, 0, 1), m = rand(n);
        if (n > 2) w[1] = 0;
        const run = (what: string, ref: (w: Float32Array, g: Float32Array, v: Float32Array, acc: Float32Array, m: Float32Array) => void, fast: (w: Float32Array, g: Float32Array, v: Float32Array, acc: Float32Array, m: Float32Array) => void) => {
          const rw = [w, g, v, acc, m].map((a) => a.slice()) as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
          const fw = [w, g, v, acc, m].map((a) => put(K, a)) as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
          ref(...rw);
          fast(...fw);
          for (let i = 0; i < 5; i++) close(fw[i]!, rw[i]!, n, `${what} n=${n} (array ${i})`, 1e-5, 1e-6);
        };
        run('addL2Grad', (w, g) => R.addL2Grad(w, g, 0.01, n), (w, g) => K.addL2Grad(w, g, 0.01, n));
        run('addL1Grad', (w, g) => R.addL1Grad(w, g, 0.01, n), (w, g) => K.addL1Grad(w, g, 0.01, n));
        run('sgdStep', (w, g) => R.sgdStep(w, g, 0.5, n), (w, g) => K.sgdStep(w, g, 0.5, n));
        run('sgdDecayStep', (w, g) => R.sgdDecayStep(w, g, 0.5, 1e-4, n), (w, g) => K.sgdDecayStep(w, g, 0.5, 1e-4, n));
        // the one-pass L2 step is bit for bit the two-pass one, on each backend
        for (const B of [R, K]) {
          const w2 = put(B, w), g2 = put(B, g), w1 = put(B, w), g1 = put(B, g);
          B.addL2Grad(w2, g2, 1e-4, n);
          B.sgdStep(w2, g2, 0.5, n);
          B.sgdDecayStep(w1, g1, 0.5, 1e-4, n);
          assert.deepStrictEqual(w1.subarray(0, n), w2.subarray(0, n), `${B.name} sgdDecayStep = addL2Grad + sgdStep, n=${n}`);
          assert.deepStrictEqual(g1.subarray(0, n), g.subarray(0, n), `${B.name} sgdDecayStep leaves g as it was, n=${n}`);
        }
        run('momentumStep', (w, g, v) => R.momentumStep(w, v, g, 0.1, 0.9, n), (w, g, v) => K.momentumStep(w, v, g, 0.1, 0.9, n));
        run('nesterovStep', (w, g, v) => R.nesterovStep(w, v, g, 0.1, 0.9, n), (w, g, v) => K.nesterovStep(w, v, g, 0.1, 0.9, n));
        run('adagradStep', (w, g, _v, a) => R.adagradStep(w, a, g, 0.1, 1e-8, n), (w, g, _v, a) => K.adagradStep(w, a, g, 0.1, 1e-8, n));
        run('rmspropStep', (w, g, _v, a) => R.rmspropStep(w, a, g, 0.01, 0.9, 1e-8, n), (w, g, _v, a) => K.rmspropStep(w, a, g, 0.01, 0.9, 1e-8, n));
        run('adamStep', (w, g, v, a, m) => R.adamStep(w, m, a, g, 0.001, 0.9, 0.999, 1e-8, n), (w, g, v, a, m) => K.adamStep(w, m, a, g, 0.001, 0.9, 0.999, 1e-8, n));
      }
    });

    test('adamStep stores subnormal results as 0 (x86 is slow on subnormals), as the reference does', () => {
      // 7 lanes: a SIMD body of 4 and a tail of 3. ηₜ = 1e-3, ε̂ = 1, so the step is about 1e-3·m.
      // Lanes 0–3: m → 0.9 m + 0.1 g or v → 0.999 v + 0.001 g² lands under 2⁻¹²⁶ ≈ 1.18e-38;
      // lanes 4–5: w − 1e-3·m = ±1.5e-38 ∓ 1.2e-38 does; lane 6 (the control): nothing does.
      const n = 7;
      const w = new Float32Array([1, 1, 1, 1, 1.5e-38, -1.5e-38, 0.5]);
      const m = new Float32Array([1e-38, -1e-38, 5e-39, 0, 1.2e-35 / 0.9, -1.2e-35 / 0.9, 0.2]);
      const v = new Float32Array([0, 1e-38, 0, 1e-38, 0, 0, 0.3]);
      const g = new Float32Array([0, 0, 1e-39, 0, 0, 0, 0.1]);
      for (const B of [R, K]) {
        const W = put(B, w), M = put(B, m), V = put(B, v);
        B.adamStep(W, M, V, put(B, g), 1e-3, 0.9, 0.999, 1, n);
        noSubnormals({ w: W, m: M, v: V }, n, B.name);
        assert.deepEqual([...M.subarray(0, 3)], [0, 0, 0], `${B.name}: m flushed`);
        assert.deepEqual([V[1], V[3]], [0, 0], `${B.name}: v flushed`);
        assert.deepEqual([W[4], W[5]], [0, 0], `${B.name}: w flushed`);
        assert.deepEqual([W[0], W[1], W[2], W[3]], [1, 1, 1, 1]);
        assert.ok(Math.abs(M[6]! - 0.19) < 1e-7 && Math.abs(V[6]! - 0.29971) < 1e-7, `${B.name}: control m, v`);
        assert.ok(Math.abs(W[6]! - (0.5 - (1e-3 * 0.19) / (Math.sqrt(0.29971) + 1))) < 1e-7, `${B.name}: control w`);
      }
    });

    test('adagradStep and rmspropStep store subnormal results as 0, as the reference does', () => {
      // η = 1e-3, ε = 1, ρ = 0.9; 5 lanes (a body of 4 and a tail of 1). Lanes 0–1: w − η g/(√S + 1)
      // = ±1.5e-38 ∓ 1.2e-38 (g = ±1.2e-35, S ≈ 0); lane 2: RMSProp's S = 0.9·1.25e-38 (g = 0; AdaGrad's
      // G stays 1.25e-38, normal); lane 3: G or S from a subnormal g² alone; lane 4: the control.
      const n = 5;
      const w = new Float32Array([1.5e-38, -1.5e-38, 1, 1, 0.5]);
      const g = new Float32Array([1.2e-35, -1.2e-35, 0, 1e-20, 0.1]);
      const acc = new Float32Array([0, 0, 1.25e-38, 0, 0.3]);
      for (const B of [R, K]) {
        for (const [name, stepper] of [
          ['adagrad', (W: Float32Array, A: Float32Array) => B.adagradStep(W, A, put(B, g), 1e-3, 1, n)],
          ['rmsprop', (W: Float32Array, A: Float32Array) => B.rmspropStep(W, A, put(B, g), 1e-3, 0.9, 1, n)],
        ] as const) {
          const W = put(B, w), A = put(B, acc);
          stepper(W, A);
          noSubnormals({ w: W, acc: A }, n, `${B.name} ${name}`);
          assert.deepEqual([W[0], W[1], A[3]], [0, 0, 0], `${B.name} ${name}: w and acc flushed`);
          assert.equal(A[2], name === 'adagrad' ? Math.fround(1.25e-38) : 0, `${B.name} ${name}: acc[2]`);
          assert.ok(W[4]! > 0.49 && W[4]! < 0.5 && A[4]! > 0.25, `${B.name} ${name}: control`);
        }
      }
    });

    test('no term under 2⁻¹²⁶ is added: L2, Adam, AdaGrad and RMSProp drop it, as the reference does', () => {
      // Forming such a term is what is slow on x86 (Adam with L2 ran several times slower as training
      // left weights near 1e-35), so the contract is that it is not added at all. f = Math.fround.
      const f = Math.fround;
      // addL2Grad and sgdDecayStep, c = 1e-4: lanes 0–2 have c·w ≈ 1e-38, 1e-39, −1e-38 (dropped);
      // lane 3 (c·w = 1e-37) and lane 4 (w = 0.5) are controls.
      const w = new Float32Array([1e-34, 1e-35, -1e-34, 1e-33, 0.5]), g = new Float32Array([1e-37, 0, 1e-37, 1e-37, 0.25]);
      // Adam (β₁ 0.9, β₂ 0.999, ηₜ 1e-3, ε̂ 1), 5 lanes: lane 0: (1 − β₁) g = 1e-38 onto m = 1e-37;
      // lane 1: (1 − β₂) g² = 4e-41 onto v = 1e-37 (g = 2e-19, whose g² = 4e-38 is normal);
      // lane 2: the step 1e-3 · m/(√v + 1) ≈ 9e-39 off w = 2e-37; lanes 3–4: controls.
      const aw = new Float32Array([1, 1, 2e-37, 1, 0.5]), am = new Float32Array([1e-37, 0, 1e-35, 0, 0.2]);
      const av = new Float32Array([0, 1e-37, 0, 0, 0.3]), ag = new Float32Array([1e-37, 2e-19, 0, 0.01, 0.1]);
      for (const B of [R, K]) {
        const G = put(B, g), W = put(B, w);
        B.addL2Grad(W, G, 1e-4, 5);
        assert.deepEqual([G[0], G[1], G[2]], [f(1e-37), 0, f(1e-37)], `${B.name} addL2Grad: tiny c·w not added`);
        assert.equal(G[3], f(f(1e-37) + f(1e-33) * f(1e-4)), `${B.name} addL2Grad: control`);
        const W2 = put(B, w);
        B.sgdDecayStep(W2, put(B, g), 0.5, 1e-4, 5);
        B.sgdStep(W, G, 0.5, 5);
        assert.deepStrictEqual(W2, W, `${B.name} sgdDecayStep = addL2Grad + sgdStep with tiny terms`);

        const AW = put(B, aw), AM = put(B, am), AV = put(B, av);
        B.adamStep(AW, AM, AV, put(B, ag), 1e-3, 0.9, 0.999, 1, 5);
        assert.equal(AM[0], f(0.9 * f(1e-37)), `${B.name} adam: (1 − β₁) g under 2⁻¹²⁶ not added to m`);
        assert.equal(AV[1], f(0.999 * f(1e-37)), `${B.name} adam: (1 − β₂) g² under 2⁻¹²⁶ not added to v`);
        assert.equal(AW[2], f(2e-37), `${B.name} adam: a step under 2⁻¹²⁶ not taken`);
        assert.ok(Math.abs(AM[3]! - 0.001) < 1e-9 && Math.abs(AV[3]! - 1e-7) < 1e-11 && AW[3]! < 1, `${B.name} adam: control`);
        assert.ok(Math.abs(AM[4]! - 0.19) < 1e-7 && Math.abs(AV[4]! - 0.29971) < 1e-7, `${B.name} adam: control`);

        // AdaGrad and RMSProp (η 1e-3, ε 1, ρ 0.9): lane 0: g = 2e-19, g² = 4e-38 normal but
        // (1 − ρ) g² = 4e-39 (RMSProp drops it; AdaGrad adds g² itself); lane 1: the step
        // 1e-3 · g/(√S + 1) = 1e-38 off w = 2e-37; lane 2: control.
        const rw = new Float32Array([1, 2e-37, 0.5]), rg = new Float32Array([2e-19, 1e-35, 0.1]), racc = new Float32Array([1e-37, 0, 0.3]);
        const RW = put(B, rw), RA = put(B, racc), DW = put(B, rw), DA = put(B, racc);
        B.rmspropStep(RW, RA, put(B, rg), 1e-3, 0.9, 1, 3);
        B.adagradStep(DW, DA, put(B, rg), 1e-3, 1, 3);
        assert.equal(RA[0], f(0.9 * f(1e-37)), `${B.name} rmsprop: (1 − ρ) g² under 2⁻¹²⁶ not added`);
        assert.equal(DA[0], f(f(1e-37) + f(2e-19) ** 2), `${B.name} adagrad: a normal g² is added`);
        assert.deepEqual([RW[1], DW[1]], [f(2e-37), f(2e-37)], `${B.name}: rmsprop and adagrad take no step under 2⁻¹²⁶`);
        assert.ok(RW[2]! < 0.5 && DW[2]! < 0.5, `${B.name}: controls`);
      }
    });

    test('softmax and sigmoid outputs under 2⁻¹²⁶ are 0, never subnormal, as the reference gives', () => {
      // A confident network's far-below-the-winner outputs otherwise reach every backward product.
      // Row 0 sums to exactly 1 (each small output alone); row 1 to 1.5 (scaled by 2/3 after e^z).
      // 7 columns: a SIMD body of 4 and a tail of 3.
      const z = new Float32Array([0, -90, -86, -87.5, -100, -50, -200, 0, -0.6931472, -87, -87.2, -88, -150, -1e4]);
      const s = new Float32Array([-90, -87.2, -100, -86, 3, -1e4, 0]);
      for (const B of [R, K]) {
        const Z = put(B, z), A = put(B, new Float32Array(14));
        B.softmaxRows(Z, A, 2, 7);
        noSubnormals({ softmax: A }, 14, B.name);
        assert.deepEqual([A[1], A[3], A[4], A[6]], [0, 0, 0, 0], `${B.name} softmax: e^z under 2⁻¹²⁶ gives 0`);
        assert.ok(Math.abs(A[2]! - Math.exp(-86)) < 1e-42 && Math.abs(A[5]! - Math.exp(-50)) < 1e-27, `${B.name} softmax: small normal outputs kept`);
        assert.deepEqual([A[9], A[10], A[11], A[12], A[13]], [0, 0, 0, 0, 0], `${B.name} softmax: scaled under 2⁻¹²⁶ gives 0`);
        assert.ok(Math.abs(A[7]! - 2 / 3) < 1e-6 && Math.abs(A[8]! - 1 / 3) < 1e-6, `${B.name} softmax: the row's two large outputs`);
        const S = put(B, s), SA = put(B, new Float32Array(7));
        B.sigmoid(S, SA, 7);
        noSubnormals({ sigmoid: SA }, 7, B.name);
        assert.deepEqual([SA[0], SA[2], SA[5]], [0, 0, 0], `${B.name} sigmoid: σ(z) under 2⁻¹²⁶ gives 0`);
        assert.ok(SA[3]! > 2e-38 && Math.abs(SA[4]! - 1 / (1 + Math.exp(-3))) < 1e-6 && SA[6] === 0.5, `${B.name} sigmoid: controls`);
      }
    });

    test('im2col and col2im for kernels 1-5, strides 1-2, paddings 0-2', () => {
      for (const { count, c, h, w, k, stride, pad, oh, ow } of unfoldCases([1, 2, 3, 5])) {
        const xOff = 3;
        const x = rand(xOff + count * c * h * w);
        const nc = c * k * k * count * oh * ow;
        const want = new Float32Array(nc);
        R.im2col(x, xOff, count, c, h, w, k, stride, pad, pad, oh, ow, want);
        const col = take(K, nc);
        col.fill(7);
        K.im2col(put(K, x), xOff, count, c, h, w, k, stride, pad, pad, oh, ow, col);
        close(col, want, nc, `im2col ${count}x${c}x${h}x${w} k${k} s${stride} p${pad}`, 0, 0);
        const cv = rand(nc);
        const wantDx = rand(xOff + count * c * h * w);
        const dx = put(K, wantDx);
        R.col2im(cv, count, c, h, w, k, stride, pad, pad, oh, ow, wantDx, xOff);
        K.col2im(put(K, cv), count, c, h, w, k, stride, pad, pad, oh, ow, dx, xOff);
        close(dx, wantDx, wantDx.length, `col2im ${count}x${c}x${h}x${w} k${k} s${stride} p${pad}`, 1e-5, 1e-6);
      }
    });

    test('im2row equals the reference and is im2col transposed, for kernels 1-7, strides 1-2, paddings 0-2', () => {
      for (const { count, c, h, w, k, stride, pad, oh, ow } of unfoldCases([1, 2, 3, 4, 5, 7])) {
        const xOff = 3;
        const x = rand(xOff + count * c * h * w);
        const patch = c * k * k, positions = count * oh * ow;
        const want = new Float32Array(patch * positions);
        R.im2row(x, xOff, count, c, h, w, k, stride, pad, pad, oh, ow, want);
        const cols = new Float32Array(patch * positions);
        R.im2col(x, xOff, count, c, h, w, k, stride, pad, pad, oh, ow, cols);
        for (let r = 0; r < patch; r++)
          for (let p = 0; p < positions; p++)
            if (want[p * patch + r] !== cols[r * positions + p]) assert.fail(`reference im2row is not im2col transposed at row ${p}, column ${r}`);
        const rows = take(K, patch * positions + 1);
        rows.fill(7);
        K.im2row(put(K, x), xOff, count, c, h, w, k, stride, pad, pad, oh, ow, rows);
        close(rows, want, patch * positions, `im2row ${count}x${c}x${h}x${w} k${k} s${stride} p${pad}`, 0, 0);
        assert.equal(rows[patch * positions], 7, 'im2row wrote past its rows');
        // asymmetric padding (as 'same' with an even kernel) and one more output row and column
        // than fit, reaching past the far edges
        const [padY, padX, oh2, ow2] = [pad, pad === 2 ? 0 : pad + 1, oh + 1, ow + 1];
        const n2 = patch * count * oh2 * ow2;
        const want2 = new Float32Array(n2);
        R.im2row(x, xOff, count, c, h, w, k, stride, padY, padX, oh2, ow2, want2);
        const rows2 = take(K, n2);
        K.im2row(put(K, x), xOff, count, c, h, w, k, stride, padY, padX, oh2, ow2, rows2);
        close(rows2, want2, n2, `im2row ${count}x${c}x${h}x${w} k${k} s${stride} padY ${padY} padX ${padX}, ${oh2}x${ow2} outputs`, 0, 0);
      }
    });

    test('gemmSparseA equals the reference and the dense product: A or Aᵀ, C or Cᵀ, densities 0-100 %, −0, accumulate', () => {
      const shapes: [number, number, number][] = [[1, 1, 1], [3, 7, 5], [4, 33, 9], [5, 129, 7], [9, 3, 129], [40, 500, 130], [130, 37, 40], [7, 25, 300], [3, 5, 0]];
      for (const [m, n, k] of shapes)
        for (const zeros of [1, 0.9, 0.75, 0.5, 0.3, 0]) // 0.5: exactly half (every other entry), the last density multiplied sparsely
          for (const transposedA of [false, true])
            for (const cT of [false, true])
              for (const acc of [false, true]) {
                // A [m×k] with that share of zeros (some of them −0), stored as is or transposed
                const a = rand(m * k).map((v, i) => ((zeros === 0.5 ? i % 2 === 0 : rng.uniform() < zeros) ? (v < 0 ? -0 : 0) : v));
                const stored = transposedA ? new Float32Array(m * k) : a;
                if (transposedA) for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) stored[p * m + i] = a[i * k + p]!;
                const [ars, aks] = transposedA ? [1, m] : [k, 1];
                const b = rand(k * n), c0 = rand(m * n);
                const want = c0.slice();
                R.gemmSparseA(m, n, k, stored, ars, aks, b, want, cT, acc, new Float32Array(0));
                // the reference is the dense product
                const dense = new Float32Array(m * n);
                R.gemm(m, n, k, a, b, dense, false);
                for (let i = 0; i < m; i++)
                  for (let j = 0; j < n; j++) {
                    const at = cT ? j * m + i : i * n + j;
                    const d = acc ? c0[at]! + dense[i * n + j]! : dense[i * n + j]!;
                    if (!(Math.abs(want[at]! - d) <= 2e-6 * (k + 1) + 1e-5 * Math.abs(d))) assert.fail(`reference gemmSparseA ${m}x${n}x${k} is ${want[at]} at (${i}, ${j}), the dense product ${d}`);
                  }
                const C = put(K, c0, 5);
                C[m * n] = 12345;
                const work = take(K, sparseWorkSize(m, k) + 1);
                work[sparseWorkSize(m, k)] = 6789;
                K.gemmSparseA(m, n, k, put(K, stored), ars, aks, put(K, b), C, cT, acc, work);
                const what = `gemmSparseA ${m}x${n}x${k} zeros ${zeros} A${transposedA ? 'ᵀ' : ''} C${cT ? 'ᵀ' : ''} accumulate=${acc}`;
                close(C, want, m * n, what, 1e-5, 2e-6 * (k + 1));
                assert.equal(C[m * n], 12345, `${what} wrote past C`);
                assert.equal(work[sparseWorkSize(m, k)], 6789, `${what} wrote past its work buffer`);
              }
    });

    test('gemmSparseA: an element of C does not depend on the blocking (a column of a wide, deep product equals the same column alone, bit for bit)', () => {
      for (const cT of [false, true]) {
        const m = 9, n = 129, k = 300; // n: 64-column blocks and every tile width; k: 128-deep blocks
        const a = rand(m * k).map((v) => (rng.uniform() < 0.8 ? 0 : v));
        const b = rand(k * n);
        const C = take(K, m * n);
        K.gemmSparseA(m, n, k, put(K, a), k, 1, put(K, b), C, cT, false, take(K, sparseWorkSize(m, k)));
        for (const j of [0, 31, 32, 56, 63, 64, 100, 128]) {
          const bj = new Float32Array(k);
          for (let p = 0; p < k; p++) bj[p] = b[p * n + j]!;
          const Cj = take(K, m);
          K.gemmSparseA(m, 1, k, put(K, a), k, 1, put(K, bj), Cj, cT, false, take(K, sparseWorkSize(m, k)));
          for (let i = 0; i < m; i++) assert.equal(C[cT ? j * m + i : i * n + j], Cj[i], `C${cT ? 'ᵀ' : ''}(${i}, ${j})`);
        }
      }
    });

    test('gemmSparseA into a transposed C with accumulate adds the finished sum, for a sparse and a dense A alike; negative strides are refused', () => {
      const m = 12, n = 37, k = 40;
      for (const zeros of [0.85, 0]) {
        const t = rand(k * m).map((v) => (rng.uniform() < zeros ? 0 : v)); // Aᵀ stored [k×m], as a convolution's input error reads it
        const b = rand(k * n), c0 = rand(m * n);
        const sum = take(K, m * n);
        K.gemmSparseA(m, n, k, put(K, t), 1, m, put(K, b), sum, true, false, take(K, sparseWorkSize(m, k)));
        const C = put(K, c0);
        K.gemmSparseA(m, n, k, put(K, t), 1, m, put(K, b), C, true, true, take(K, sparseWorkSize(m, k)));
        for (let q = 0; q < m * n; q++) assert.equal(C[q], Math.fround(c0[q]! + sum[q]!), `zeros ${zeros}: element ${q} is C + the finished sum`);
      }
      assert.throws(() => K.gemmSparseA(2, 2, 2, take(K, 4), -1, 1, take(K, 4), take(K, 4), false, false, take(K, sparseWorkSize(2, 2))), /strides must not be negative/);
    });

    test('gemmSparseA skips the zeros of a sparse A: a NaN in B met only by zeros does not reach C', () => {
      const m = 6, n = 9, k = 40;
      const a = new Float32Array(m * k);
      for (let i = 0; i < m; i++) a[i * k + 2 * i + 1] = 1 + i; // one nonzero a row, never at p = 0
      const b = rand(k * n);
      b[3] = NaN; // row p = 0 of B
      const C = take(K, m * n);
      K.gemmSparseA(m, n, k, put(K, a), k, 1, put(K, b), C, false, false, take(K, sparseWorkSize(m, k)));
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) assert.equal(C[i * n + j], Math.fround((1 + i) * b[(2 * i + 1) * n + j]!), `C(${i}, ${j})`);
      // the same A stored transposed (read with a stride, as a convolution's input error does), C transposed
      const t = new Float32Array(m * k);
      for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) t[p * m + i] = a[i * k + p]!;
      const CT = take(K, m * n);
      K.gemmSparseA(m, n, k, put(K, t), 1, m, put(K, b), CT, true, false, take(K, sparseWorkSize(m, k)));
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) assert.equal(CT[j * m + i], C[i * n + j], `Cᵀ(${i}, ${j})`);
      // and a NaN in A is not skipped
      a[0] = NaN;
      K.gemmSparseA(m, n, k, put(K, a), k, 1, put(K, b), C, false, false, take(K, sparseWorkSize(m, k)));
      for (let j = 0; j < n; j++) assert.ok(Number.isNaN(C[j]!), `a NaN in row 0 of A reaches C(0, ${j})`);
    });

    test('channel layouts, per-channel bias and sums', () => {
      for (const [count, channels, plane] of [[1, 1, 1], [2, 3, 7], [10, 20, 576], [3, 40, 64], [5, 2, 3]] as const) {
        const n = count * channels * plane;
        const src = rand(n + 4);
        const want = rand(n + 4), D = put(K, want);
        R.channelsToBatch(src, count, channels, plane, want, 4);
        K.channelsToBatch(put(K, src), count, channels, plane, D, 4);
        close(D, want, n + 4, `channelsToBatch ${count}x${channels}x${plane}`, 0, 0);
        const want2 = new Float32Array(n), D2 = take(K, n);
        R.batchToChannels(src, 4, count, channels, plane, want2);
        K.batchToChannels(put(K, src), 4, count, channels, plane, D2);
        close(D2, want2, n, `batchToChannels ${count}x${channels}x${plane}`, 0, 0);
        const bias = rand(channels), x = src.subarray(0, n).slice();
        const X = put(K, x);
        R.addChannelBias(x, bias, count, channels, plane);
        K.addChannelBias(X, put(K, bias), count, channels, plane);
        close(X, x, n, `addChannelBias ${count}x${channels}x${plane}`);
        for (const acc of [false, true]) {
          const o = rand(channels), O = put(K, o);
          R.channelSums(x, count, channels, plane, o, acc);
          K.channelSums(X, count, channels, plane, O, acc);
          close(O, o, channels, `channelSums ${count}x${channels}x${plane} acc=${acc}`, 1e-5, 1e-4);
        }
      }
    });

    test('max and average pooling, forward and backward', () => {
      for (const [planes, h, w] of [[1, 4, 4], [3, 7, 5], [20, 24, 24], [2, 9, 9], [3, 12, 19], [2, 8, 30]] as const)
        for (const [size, stride] of [[2, 2], [3, 1], [3, 2], [1, 1]] as const) {
          const oh = Math.floor((h - size) / stride) + 1, ow = Math.floor((w - size) / stride) + 1;
          const x = rand(planes * h * w);
          if (planes * h * w > 3) x[1] = x[0]!; // a tie: the first maximum wins
          const no = planes * oh * ow;
          const y = new Float32Array(no), arg = new Float32Array(no), Y = take(K, no), ARG = take(K, no);
          R.maxpoolForward(x, planes, h, w, size, stride, oh, ow, y, arg);
          K.maxpoolForward(put(K, x), planes, h, w, size, stride, oh, ow, Y, ARG);
          const tag = `${planes}x${h}x${w} size ${size} stride ${stride}`;
          close(Y, y, no, `maxpoolForward ${tag}`, 0, 0);
          close(ARG, arg, no, `maxpoolForward arg ${tag}`, 0, 0);
          const dy = rand(no), dx = rand(planes * h * w), DX = put(K, dx);
          R.maxpoolBackward(dy, arg, planes, h, w, oh, ow, dx);
          K.maxpoolBackward(put(K, dy), ARG, planes, h, w, oh, ow, DX);
          close(DX, dx, planes * h * w, `maxpoolBackward ${tag}`);
          R.avgpoolForward(x, planes, h, w, size, stride, oh, ow, y);
          K.avgpoolForward(put(K, x), planes, h, w, size, stride, oh, ow, Y);
          close(Y, y, no, `avgpoolForward ${tag}`);
          R.avgpoolBackward(dy, planes, h, w, size, stride, oh, ow, dx);
          K.avgpoolBackward(put(K, dy), planes, h, w, size, stride, oh, ow, DX);
          close(DX, dx, planes * h * w, `avgpoolBackward ${tag}`);
        }
    });

    test('max pooling with ties, zeros (as after ReLU), −∞ and NaN picks what the reference picks', () => {
      for (const [h, w] of [[8, 8], [6, 14], [24, 24]] as const) {
        const planes = 2, oh = h / 2, ow = w / 2, no = planes * oh * ow;
        const x = rand(planes * h * w).map((v, i) => (i % 3 === 0 ? 0 : v > 0.3 ? v : 0));
        x[0] = -Infinity; x[1] = -Infinity; x[w] = -Infinity; x[w + 1] = -Infinity; // a window of −∞ only
        x[2] = NaN; x[3] = 0.5; // NaN never wins
        x[4] = NaN; x[5] = NaN; x[w + 4] = NaN; x[w + 5] = NaN; // a window of NaN only
        const y = new Float32Array(no), arg = new Float32Array(no), Y = take(K, no), ARG = take(K, no);
        R.maxpoolForward(x, planes, h, w, 2, 2, oh, ow, y, arg);
        K.maxpoolForward(put(K, x), planes, h, w, 2, 2, oh, ow, Y, ARG);
        for (let i = 0; i < no; i++) {
          assert.ok(Object.is(Y[i], y[i]), `maxpool ${h}x${w} output ${i}: ${Y[i]} vs reference ${y[i]}`);
          assert.equal(ARG[i], arg[i], `maxpool ${h}x${w} argmax ${i}`);
        }
      }
    });

    test('gatherBytes: rows of bytes to scaled floats, any row size', () => {
      for (const size of [1, 3, 15, 16, 17, 784]) {
        const rows = 50;
        const src = new Uint8Array(rows * size).map((_, i) => (i * 37 + 11) & 255);
        const order = Int32Array.from({ length: rows }, (_, i) => (i * 17) % rows);
        for (const count of [1, 7, 10]) {
          const want = new Float32Array(count * size);
          R.gatherBytes(src, order, 5, count, size, 1 / 255, want);
          const D = take(K, count * size);
          K.gatherBytes(src, order, 5, count, size, 1 / 255, D);
          close(D, want, count * size, `gatherBytes size ${size} count ${count}`, 1e-6, 0);
        }
      }
    });

    test('a Float32Array not from alloc() is refused, and a too-short buffer too', () => {
      const a = K.alloc(16);
      assert.throws(() => K.sigmoid(new Float32Array(16), a, 16), /not allocated by this backend/);
      assert.throws(() => K.sgdStep(a, K.alloc(4), 0.1, 16), /too small/);
    });

    test('earlier buffers stay valid when the memory grows', () => {
      const a = K.alloc(1000);
      a.fill(2);
      const big = K.alloc((20 * 1024 * 1024) / 4); // 20 MiB: forces growth of a shared memory
      big[big.length - 1] = 1;
      assert.equal(a.length, 1000);
      K.scale(a, 0.5, 1000);
      assert.equal(a[999], 1);
    });
  });
}

test("createKernels: 'reference', 'wasm', 'auto' (wasm here) and unknown names", async () => {
  assert.equal((await createKernels('reference')).name, 'reference');
  assert.equal((await createKernels('wasm')).name, 'wasm');
  assert.equal((await createKernels('auto')).name, 'wasm');
  await assert.rejects(() => createKernels('gpu'), /unknown backend "gpu"/);
  const n = await createNodeKernels('auto');
  // Node's 'auto': two threads where there are two cores (shared memory works in Node), else one
  assert.equal(n.name, availableParallelism() >= 2 ? 'wasm-threads' : 'wasm');
  if ('close' in n) (n as ThreadedKernels).close();
});

/** Whether this processor has fused multiply-add instructions (x86 `fma` flag; assumed on ARM64, where NEON has them). */
function cpuHasFma(): boolean {
  if (process.arch === 'arm64') return true;
  try {
    return /^flags\s*:.*\bfma\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

describe('the FMA build (relaxed SIMD)', () => {
  test("Node's backends switch relaxed SIMD on, and every wasm backend uses the FMA build by default where it validates", async (t) => {
    if (!FMA_HERE) return t.skip('this engine has no relaxed SIMD');
    assert.equal(wasmFmaSupported(), true);
    const w = await createWasmKernels();
    assert.equal(w.fma, cpuHasFma(), 'fma says whether the products are fused: the FMA build on a processor with FMA');
    const n = await createNodeKernels('wasm-threads');
    assert.equal(n.fma, cpuHasFma(), 'the threaded backend is the FMA build');
    (n as ThreadedKernels).close();
    assert.equal((await createWasmKernels({ fma: false })).fma, false);
    assert.equal(referenceKernels.fma, undefined);
  });

  test('its products round once per multiply-add: a·b + c keeps the low bits that a separate multiply loses', async (t) => {
    if (!FMA_HERE) return t.skip('this engine has no relaxed SIMD');
    // (1 + 2⁻¹²)² = 1 + 2⁻¹¹ + 2⁻²⁴ rounds to 1 + 2⁻¹¹ in float32. Then
    // −(1 + 2⁻¹²)(1 + 2⁻¹²) + (1 + 2⁻¹²)(1 + 2⁻¹²): the second product fused with the first's
    // rounded value leaves exactly 2⁻²⁴; multiplied and rounded first, it leaves 0.
    const e = 1 + 2 ** -12;
    for (const [fma, want] of [[true, cpuHasFma() ? 2 ** -24 : 0], [false, 0]] as const) {
      const K = await createWasmKernels({ fma });
      // every width, so that vector tiles and the one-lane remainders are all checked
      for (const n of [1, 3, 4, 8, 9]) {
        const a = put(K, Float32Array.of(-e, e)); // A is 1×2
        const b = put(K, new Float32Array(2 * n).fill(e)); // B is 2×n
        const c = take(K, n);
        K.gemm(1, n, 2, a, b, c, false);
        for (let j = 0; j < n; j++) assert.equal(c[j], want, `fma=${fma}, width ${n}, column ${j}`);
        const bt = put(K, new Float32Array(2 * n).fill(e)); // Bᵀ stored n×2 for gemmNT
        K.gemmNT(1, n, 2, a, bt, c, false);
        for (let j = 0; j < n; j++) assert.equal(c[j], want, `gemmNT fma=${fma}, width ${n}, column ${j}`);
      }
    }
  });
});
