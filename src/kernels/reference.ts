import type { Kernels } from './kernels.js';

/**
 * The reference backend: plain TypeScript loops, written to be read. Every fast backend is
 * tested against it. Loop orders keep the innermost loop on contiguous memory.
 */
export const referenceKernels: Kernels = {
  name: 'reference',

  alloc(n) {
    return new Float32Array(n);
  },

  gemm(m, n, k, a, b, c, accumulate) {
    if (!accumulate) c.fill(0, 0, m * n);
    for (let i = 0; i < m; i++) {
      const ci = i * n;
      for (let p = 0; p < k; p++) {
        const aip = a[i * k + p]!;
        if (aip === 0) continue;
        const bp = p * n;
        for (let j = 0; j < n; j++) c[ci + j]! += aip * b[bp + j]!;
      }
    }
  },

  gemmNT(m, n, k, a, b, c, accumulate) {
    for (let i = 0; i < m; i++) {
      const ai = i * k;
      for (let j = 0; j < n; j++) {
        const bj = j * k;
        let s = 0;
        for (let p = 0; p < k; p++) s += a[ai + p]! * b[bj + p]!;
        c[i * n + j] = accumulate ? c[i * n + j]! + s : s;
      }
    }
  },

  gemmTN(m, n, k, a, b, c, accumulate) {
    if (!accumulate) c.fill(0, 0, m * n);
    for (let p = 0; p < k; p++) {
      const ap = p * m;
      const bp = p * n;
      for (let i = 0; i < m; i++) {
        const api = a[ap + i]!;
        if (api === 0) continue;
        const ci = i * n;
        for (let j = 0; j < n; j++) c[ci + j]! += api * b[bp + j]!;
      }
    }
  },

  addRowVector(x, bias, rows, cols) {
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      for (let j = 0; j < cols; j++) x[o + j]! += bias[j]!;
    }
  },

  columnSums(x, rows, cols, out, scale, accumulate) {
    if (!accumulate) out.fill(0, 0, cols);
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      for (let j = 0; j < cols; j++) out[j]! += scale * x[o + j]!;
    }
  },

  sigmoid(z, a, n) {
    for (let i = 0; i < n; i++) a[i] = 1 / (1 + Math.exp(-z[i]!));
  },
  sigmoidBackward(a, da, dz, n) {
    for (let i = 0; i < n; i++) {
      const s = a[i]!;
      dz[i] = da[i]! * s * (1 - s);
    }
  },
  tanh(z, a, n) {
    for (let i = 0; i < n; i++) a[i] = Math.tanh(z[i]!);
  },
  tanhBackward(a, da, dz, n) {
    for (let i = 0; i < n; i++) {
      const t = a[i]!;
      dz[i] = da[i]! * (1 - t * t);
    }
  },
  relu(z, a, n) {
    for (let i = 0; i < n; i++) {
      const v = z[i]!;
      a[i] = v > 0 ? v : 0;
    }
  },
  reluBackward(z, da, dz, n) {
    for (let i = 0; i < n; i++) dz[i] = z[i]! > 0 ? da[i]! : 0;
  },
  softmaxRows(z, a, rows, cols) {
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let max = -Infinity;
      for (let j = 0; j < cols; j++) if (z[o + j]! > max) max = z[o + j]!;
      let sum = 0;
      for (let j = 0; j < cols; j++) {
        const e = Math.exp(z[o + j]! - max);
        a[o + j] = e;
        sum += e;
      }
      const inv = 1 / sum;
      for (let j = 0; j < cols; j++) a[o + j]! *= inv;
    }
  },
  softmaxBackwardRows(a, da, dz, rows, cols) {
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let dot = 0;
      for (let j = 0; j < cols; j++) dot += da[o + j]! * a[o + j]!;
      for (let j = 0; j < cols; j++) dz[o + j] = a[o + j]! * (da[o + j]! - dot);
    }
  },

  mul(x, y, out, n) {
    for (let i = 0; i < n; i++) out[i] = x[i]! * y[i]!;
  },
  sub(x, y, out, n) {
    for (let i = 0; i < n; i++) out[i] = x[i]! - y[i]!;
  },
  axpy(alpha, x, y, n) {
    for (let i = 0; i < n; i++) y[i]! += alpha * x[i]!;
  },
  scale(x, alpha, n) {
    for (let i = 0; i < n; i++) x[i]! *= alpha;
  },

  addL2Grad(w, g, c, n) {
    for (let i = 0; i < n; i++) g[i]! += c * w[i]!;
  },
  addL1Grad(w, g, c, n) {
    for (let i = 0; i < n; i++) g[i]! += c * Math.sign(w[i]!);
  },
  sgdStep(w, g, eta, n) {
    for (let i = 0; i < n; i++) w[i]! -= eta * g[i]!;
  },
  momentumStep(w, v, g, eta, mu, n) {
    for (let i = 0; i < n; i++) {
      const vi = mu * v[i]! - eta * g[i]!;
      v[i] = vi;
      w[i]! += vi;
    }
  },
  nesterovStep(w, v, g, eta, mu, n) {
    for (let i = 0; i < n; i++) {
      const gi = g[i]!;
      const vi = mu * v[i]! - eta * gi;
      v[i] = vi;
      w[i]! += mu * vi - eta * gi;
    }
  },
  adagradStep(w, acc, g, eta, eps, n) {
    for (let i = 0; i < n; i++) {
      const gi = g[i]!;
      const s = acc[i]! + gi * gi;
      acc[i] = s;
      w[i]! -= (eta * gi) / (Math.sqrt(s) + eps);
    }
  },
  rmspropStep(w, acc, g, eta, rho, eps, n) {
    for (let i = 0; i < n; i++) {
      const gi = g[i]!;
      const s = rho * acc[i]! + (1 - rho) * gi * gi;
      acc[i] = s;
      w[i]! -= (eta * gi) / (Math.sqrt(s) + eps);
    }
  },
  adamStep(w, m, v, g, etaT, b1, b2, epsT, n) {
    for (let i = 0; i < n; i++) {
      const gi = g[i]!;
      const mi = b1 * m[i]! + (1 - b1) * gi;
      const vi = b2 * v[i]! + (1 - b2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      w[i]! -= (etaT * mi) / (Math.sqrt(vi) + epsT);
    }
  },
};
