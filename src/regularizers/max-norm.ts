import type { Regularizer } from './regularizer.js';

/**
 * Max-norm constraint (Srivastava et al. 2014): after each step, every unit's incoming weight
 * vector w is rescaled to ‖w‖₂ ≤ c. No penalty and no gradient term.
 */
export function maxNorm(c: number): Regularizer {
  return {
    name: 'max-norm',
    penalty: () => 0,
    addGradient() {},
    project(params) {
      for (const p of params) {
        if (!p.decay) continue;
        const len = p.size / p.units;
        for (let u = 0; u < p.units; u++) {
          const o = u * len;
          let s = 0;
          for (let i = 0; i < len; i++) s += p.value[o + i]! * p.value[o + i]!;
          const norm = Math.sqrt(s);
          if (norm > c) {
            const f = c / norm;
            for (let i = 0; i < len; i++) p.value[o + i]! *= f;
          }
        }
      }
    },
  };
}
