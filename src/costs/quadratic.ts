import type { Cost } from './cost.js';

/**
 * Quadratic cost, C_x = ½‖y − a‖² (book eq. 6). ∂C/∂a = a − y; through the output neuron this
 * gives the book's δ^L = (a − y) ⊙ σ′(z) (eq. 30).
 */
export const quadratic: Cost = {
  name: 'quadratic',
  fusedWith: null,
  value(a, y, rows, cols) {
    let s = 0;
    for (let i = 0; i < rows * cols; i++) {
      const d = a[i]! - y[i]!;
      s += d * d;
    }
    return 0.5 * s;
  },
  derivative(a, y, out, n) {
    for (let i = 0; i < n; i++) out[i] = a[i]! - y[i]!;
  },
};
