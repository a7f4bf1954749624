import type { Rng } from '../core/rng.js';
import type { InitName } from '../core/config.js';

/**
 * Weight initialization schemes.
 * - `default`: w ~ N(0, 1/n_in), b ~ N(0, 1) — the book's improved scheme (chap3 #weight_initialization).
 * - `large`:   w ~ N(0, 1),      b ~ N(0, 1) — the book's chapter-1 scheme, kept for comparison.
 * - `he`:      w ~ N(0, 2/n_in), b = 0 — He et al. 2015, for ReLU.
 * - `glorot`:  w ~ U(±√(6/(n_in+n_out))), b = 0 — Glorot & Bengio 2010, for tanh.
 * - `network3`: w ~ N(0, 1/n_out), b ~ N(0, 1) — the book's chapter-6 code (network3.py), where a
 *   conv layer's n_out is filters·k²/pool area and the softmax layer starts at zero (both
 *   decided by the layers, which pass n_out here and skip the softmax layer).
 */
export function initWeights(scheme: InitName, w: Float32Array, fanIn: number, fanOut: number, rng: Rng): void {
  switch (scheme) {
    case 'default': {
      const sd = 1 / Math.sqrt(fanIn); // σ = 1/√n_in
      for (let i = 0; i < w.length; i++) w[i] = rng.normal() * sd;
      return;
    }
    case 'large':
      for (let i = 0; i < w.length; i++) w[i] = rng.normal();
      return;
    case 'he': {
      const sd = Math.sqrt(2 / fanIn);
      for (let i = 0; i < w.length; i++) w[i] = rng.normal() * sd;
      return;
    }
    case 'network3': {
      const sd = 1 / Math.sqrt(fanOut); // σ = 1/√n_out
      for (let i = 0; i < w.length; i++) w[i] = rng.normal() * sd;
      return;
    }
    case 'glorot': {
      const r = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < w.length; i++) w[i] = (2 * rng.uniform() - 1) * r;
      return;
    }
  }
}

export function initBiases(scheme: InitName, b: Float32Array, rng: Rng): void {
  if (scheme === 'default' || scheme === 'large' || scheme === 'network3') {
    for (let i = 0; i < b.length; i++) b[i] = rng.normal(); // b ~ N(0, 1)
  } else {
    b.fill(0);
  }
}
