/**
 * Optimizer-step timings on the values a long run produces, against ordinary ones in the same run:
 * a confident network's gradients can be tiny (|g| near 1e-18 or 1e-36) and Adam with L2 leaves
 * weights near 1e-35. On x86 any arithmetic that makes a subnormal float is many times slower, so
 * a kernel that forms one (g², λw/n, 0.1·g) slows as training goes on; the kernels mask such terms
 * first (assembly/vmath.ts, `scaledTerm`). A ratio near 1 in this table says they still do.
 */
import type { Kernels } from '../src/kernels/kernels.js';

export interface StepCase {
  kernel: string;
  /** µs per step on ordinary values, then on the tiny ones. */
  ordinary: number;
  tiny: number;
}

/** The MLP 784-100-10's parameter count: the size of one optimizer step. */
export const STEP_SIZE = 79_510;

function timeStep(step: () => void, reset: () => void, seconds: number): number {
  let best = Infinity;
  const end = performance.now() + seconds * 1000;
  do {
    reset();
    const t = performance.now();
    for (let i = 0; i < 20; i++) step();
    best = Math.min(best, (performance.now() - t) / 20);
  } while (performance.now() < end);
  return best * 1000;
}

/** Each optimizer kernel on ordinary values and on tiny ones (µs per step, best of repeated runs of 20 steps). */
export function stepTimings(k: Kernels, seconds: number): StepCase[] {
  const n = STEP_SIZE;
  const w = k.alloc(n), g = k.alloc(n), a = k.alloc(n), b = k.alloc(n);
  const init = { w: new Float32Array(n), g: new Float32Array(n), a: new Float32Array(n), b: new Float32Array(n) };
  const fill = (tiny: boolean) => {
    // a fixed pattern (no RNG needed): signs and magnitudes vary across lanes
    for (let i = 0; i < n; i++) {
      const s = (i * 2654435761) % 1000 / 1000 - 0.5;
      init.w[i] = tiny ? Math.sign(s) * (1 + Math.abs(s)) * 1e-35 : s * 0.2;
      init.g[i] = tiny ? Math.sign(s) * (1 + Math.abs(s)) * (i % 2 ? 1e-18 : 1e-36) : s * 2e-3;
      init.a[i] = tiny ? 1e-30 : 1e-4; // m / momentum velocity / accumulators
      init.b[i] = tiny ? 1e-30 : 1e-6; // Adam's v
    }
  };
  const reset = () => { w.set(init.w); g.set(init.g); a.set(init.a); b.set(init.b); };
  const steps: [string, () => void][] = [
    ['addL2Grad (λ/n = 1e-4)', () => k.addL2Grad(w, g, 1e-4, n)],
    ['sgdDecayStep', () => k.sgdDecayStep(w, g, 0.1, 1e-4, n)],
    ['momentumStep', () => k.momentumStep(w, a, g, 0.1, 0.9, n)],
    ['adagradStep', () => k.adagradStep(w, a, g, 0.01, 1e-8, n)],
    ['rmspropStep', () => k.rmspropStep(w, a, g, 0.001, 0.9, 1e-8, n)],
    ['adamStep', () => k.adamStep(w, a, b, g, 0.001, 0.9, 0.999, 1e-8, n)],
  ];
  const out: StepCase[] = [];
  for (const [kernel, step] of steps) {
    fill(false);
    const ordinary = timeStep(step, reset, seconds);
    fill(true);
    const tiny = timeStep(step, reset, seconds);
    out.push({ kernel, ordinary, tiny });
  }
  return out;
}
