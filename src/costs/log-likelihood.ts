import { safeLog, type Cost } from './cost.js';

/**
 * Log-likelihood cost for softmax outputs (book eq. 80): C_x = −ln a_y, with y the true class.
 * With softmax outputs, δ^L_j = a_j − y_j (eq. 84).
 */
export const logLikelihood: Cost = {
  name: 'log-likelihood',
  fusedWith: 'softmax',
  value(a, y, rows, cols) {
    let s = 0;
    for (let i = 0; i < rows * cols; i++) if (y[i]! !== 0) s -= y[i]! * safeLog(a[i]!);
    return s;
  },
  /** ∂C/∂a_j = −y_j / a_j. */
  derivative(a, y, out, n) {
    for (let i = 0; i < n; i++) {
      const ai = a[i]!;
      out[i] = y[i]! === 0 ? 0 : -y[i]! / (ai > 1e-30 ? ai : 1e-30);
    }
  },
};
