/**
 * Matrix-multiply throughput (GFLOPS = 2·m·n·k / seconds / 1e9) of one backend on one shape and
 * form, best of several timed batches of calls after a warm-up.
 */
import type { Kernels } from '../src/kernels/kernels.js';

export type GemmForm = 'gemm' | 'gemmNT' | 'gemmTN';

export interface GemmShape {
  /** What the shape is, e.g. "forward, mini-batch 10". */
  label: string;
  form: GemmForm;
  m: number;
  n: number;
  k: number;
}

/** The products one step of MLP 784-100-10 makes at mini-batch `b` (Dense: Z = A·Wᵀ, dW = δᵀ·A, dA = δ·W). */
export function mlpShapes(b: number): GemmShape[] {
  return [
    { label: `layer 1 forward, mb ${b}`, form: 'gemmNT', m: b, n: 100, k: 784 },
    { label: `layer 1 weight gradient, mb ${b}`, form: 'gemmTN', m: 100, n: 784, k: b },
    { label: `layer 2 forward, mb ${b}`, form: 'gemmNT', m: b, n: 10, k: 100 },
    { label: `layer 2 weight gradient, mb ${b}`, form: 'gemmTN', m: 10, n: 100, k: b },
    { label: `layer 2 input error, mb ${b}`, form: 'gemm', m: b, n: 100, k: 10 },
  ];
}

export function squareShapes(): GemmShape[] {
  const out: GemmShape[] = [];
  for (const form of ['gemm', 'gemmNT', 'gemmTN'] as const) out.push({ label: '100x784 @ 784x100', form, m: 100, n: 100, k: 784 });
  for (const form of ['gemm', 'gemmNT', 'gemmTN'] as const) out.push({ label: '256^3', form, m: 256, n: 256, k: 256 });
  return out;
}

function sizes(s: GemmShape): [number, number] {
  const { form, m, n, k } = s;
  return form === 'gemm' ? [m * k, k * n] : form === 'gemmNT' ? [m * k, n * k] : [k * m, k * n];
}

/** GFLOPS of `kernels` on `shape`: best of `rounds` rounds of at least `seconds` each. */
export function gemmGflops(kernels: Kernels, shape: GemmShape, seconds: number, rounds = 3): number {
  const [na, nb] = sizes(shape);
  const a = kernels.alloc(na), b = kernels.alloc(nb), c = kernels.alloc(shape.m * shape.n);
  for (let i = 0; i < na; i++) a[i] = Math.sin(i) * 0.5;
  for (let i = 0; i < nb; i++) b[i] = Math.cos(i) * 0.5;
  const call = () => kernels[shape.form](shape.m, shape.n, shape.k, a, b, c, false);
  // warm up and find a batch size that takes about `seconds`
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) call();
    const dt = (performance.now() - t0) / 1000;
    if (dt >= seconds / 4 || reps > 1e7) break;
    reps *= 4;
  }
  let best = Infinity;
  for (let round = 0; round < rounds; round++) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) call();
    best = Math.min(best, (performance.now() - t0) / 1000 / reps);
  }
  return (2 * shape.m * shape.n * shape.k) / best / 1e9;
}
