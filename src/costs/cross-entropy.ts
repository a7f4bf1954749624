import { safeLog, type Cost } from './cost.js';

/**
 * Cross-entropy cost for sigmoid outputs (book eq. 63):
 * C_x = −Σ_j [y_j ln a_j + (1 − y_j) ln(1 − a_j)].
 * With sigmoid outputs the output error is δ^L = a − y (eq. 66): no σ′ factor, no learning slowdown.
 */
export const crossEntropy: Cost = {
  name: 'cross-entropy',
  fusedWith: 'sigmoid',
  value(a, y, rows, cols) {
    let s = 0;
    for (let i = 0; i < rows * cols; i++) {
      const ai = a[i]!;
      const yi = y[i]!;
      if (yi !== 0) s -= yi * safeLog(ai);
      if (yi !== 1) s -= (1 - yi) * safeLog(1 - ai);
    }
    return s;
  },
  /** ∂C/∂a = (a − y) / (a(1 − a)). */
  derivative(a, y, out, n) {
    for (let i = 0; i < n; i++) {
      const ai = a[i]!;
      const d = ai * (1 - ai);
      out[i] = (ai - y[i]!) / (d > 1e-12 ? d : 1e-12);
    }
  },
};
