import { KernelMemoryError, type Kernels } from './kernels.js';

/** The smallest normal float32, 2⁻¹²⁶. */
const FLT_MIN = 1.1754943508222875e-38;

/** x rounded to float32, 0 if that is subnormal (as the wasm kernels flush it: x86 is slow on subnormals). */
function flushSubnormal(x: number): number {
  const f = Math.fround(x);
  return Math.abs(f) < FLT_MIN ? 0 : f;
}

/**
 * c·x, or 0 where that is under 2⁻¹²⁶ in magnitude: the wasm kernels must not even form such a term
 * (x86 is slow on subnormals; see `scaledTerm` and `squareTerm` there), so none is added here either.
 */
function scaled(c: number, x: number): number {
  const t = c * x;
  return Math.abs(t) < FLT_MIN ? 0 : t;
}

/**
 * The reference backend: plain TypeScript loops, written to be read. Every fast backend is
 * tested against it. Loop orders keep the innermost loop on contiguous memory.
 */
export const referenceKernels: Kernels = {
  name: 'reference',

  alloc(n) {
    try {
      return new Float32Array(n);
    } catch (e) {
      throw new KernelMemoryError(`out of memory: ${n.toLocaleString('en')} floats asked (too large a network or mini-batch): ${(e as Error).message}`);
    }
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

  gemmSparseA(m, n, k, a, ars, aks, b, c, cTransposed, accumulate) {
    let nonzero = 0;
    for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) if (a[i * ars + p * aks] !== 0) nonzero++;
    const dense = 2 * nonzero > m * k; // then zeros are multiplied too, as in gemm
    const at = (i: number, j: number) => (cTransposed ? j * m + i : i * n + j);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const aip = a[i * ars + p * aks]!;
          if (aip !== 0 || dense) s = Math.fround(s + aip * b[p * n + j]!);
        }
        c[at(i, j)] = accumulate ? c[at(i, j)]! + s : s;
      }
  },
  im2col(x, xOff, count, c, h, w, k, stride, padY, padX, oh, ow, col) {
    const plane = oh * ow;
    const cols = count * plane;
    for (let ci = 0; ci < c; ci++)
      for (let ky = 0; ky < k; ky++)
        for (let kx = 0; kx < k; kx++) {
          const row = ((ci * k + ky) * k + kx) * cols;
          for (let e = 0; e < count; e++) {
            const src = xOff + (e * c + ci) * h * w;
            const dst = row + e * plane;
            for (let oy = 0; oy < oh; oy++) {
              const iy = oy * stride + ky - padY;
              const d = dst + oy * ow;
              if (iy < 0 || iy >= h) {
                col.fill(0, d, d + ow);
                continue;
              }
              const s = src + iy * w;
              for (let ox = 0; ox < ow; ox++) {
                const ix = ox * stride + kx - padX;
                col[d + ox] = ix >= 0 && ix < w ? x[s + ix]! : 0;
              }
            }
          }
        }
  },

  im2row(x, xOff, count, c, h, w, k, stride, padY, padX, oh, ow, rows) {
    let d = 0;
    for (let e = 0; e < count; e++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++)
          for (let ci = 0; ci < c; ci++) {
            const src = xOff + (e * c + ci) * h * w;
            for (let ky = 0; ky < k; ky++) {
              const iy = oy * stride + ky - padY;
              for (let kx = 0; kx < k; kx++) {
                const ix = ox * stride + kx - padX;
                rows[d++] = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[src + iy * w + ix]! : 0;
              }
            }
          }
  },
  col2im(col, count, c, h, w, k, stride, padY, padX, oh, ow, dx, dxOff) {
    const plane = oh * ow;
    const cols = count * plane;
    dx.fill(0, dxOff, dxOff + count * c * h * w);
    for (let ci = 0; ci < c; ci++)
      for (let ky = 0; ky < k; ky++)
        for (let kx = 0; kx < k; kx++) {
          const row = ((ci * k + ky) * k + kx) * cols;
          for (let e = 0; e < count; e++) {
            const dst = dxOff + (e * c + ci) * h * w;
            const src = row + e * plane;
            for (let oy = 0; oy < oh; oy++) {
              const iy = oy * stride + ky - padY;
              if (iy < 0 || iy >= h) continue;
              const d = dst + iy * w;
              const s = src + oy * ow;
              for (let ox = 0; ox < ow; ox++) {
                const ix = ox * stride + kx - padX;
                if (ix >= 0 && ix < w) dx[d + ix]! += col[s + ox]!;
              }
            }
          }
        }
  },

  channelsToBatch(src, count, channels, plane, dst, dstOff) {
    for (let ch = 0; ch < channels; ch++)
      for (let e = 0; e < count; e++) {
        const s = (ch * count + e) * plane;
        const d = dstOff + (e * channels + ch) * plane;
        for (let p = 0; p < plane; p++) dst[d + p] = src[s + p]!;
      }
  },

  batchToChannels(src, srcOff, count, channels, plane, dst) {
    for (let ch = 0; ch < channels; ch++)
      for (let e = 0; e < count; e++) {
        const s = srcOff + (e * channels + ch) * plane;
        const d = (ch * count + e) * plane;
        for (let p = 0; p < plane; p++) dst[d + p] = src[s + p]!;
      }
  },

  addChannelBias(x, bias, rows, channels, plane) {
    for (let r = 0; r < rows; r++)
      for (let ch = 0; ch < channels; ch++) {
        const o = (r * channels + ch) * plane;
        const b = bias[ch]!;
        for (let p = 0; p < plane; p++) x[o + p]! += b;
      }
  },

  channelSums(x, rows, channels, plane, out, accumulate) {
    if (!accumulate) out.fill(0, 0, channels);
    for (let r = 0; r < rows; r++)
      for (let ch = 0; ch < channels; ch++) {
        const o = (r * channels + ch) * plane;
        let s = 0;
        for (let p = 0; p < plane; p++) s += x[o + p]!;
        out[ch]! += s;
      }
  },

  maxpoolForward(x, planes, h, w, size, stride, oh, ow, y, arg) {
    for (let pl = 0; pl < planes; pl++) {
      const xi = pl * h * w;
      const yo = pl * oh * ow;
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          let best = -Infinity;
          let at = 0;
          for (let dy = 0; dy < size; dy++) {
            const r = (oy * stride + dy) * w + ox * stride;
            for (let dx = 0; dx < size; dx++) {
              const v = x[xi + r + dx]!;
              if (v > best) {
                best = v;
                at = r + dx;
              }
            }
          }
          y[yo + oy * ow + ox] = best;
          arg[yo + oy * ow + ox] = at;
        }
    }
  },

  maxpoolBackward(dy, arg, planes, h, w, oh, ow, dx) {
    const hw = h * w;
    const ohw = oh * ow;
    dx.fill(0, 0, planes * hw);
    for (let pl = 0; pl < planes; pl++)
      for (let o = 0; o < ohw; o++) dx[pl * hw + arg[pl * ohw + o]!]! += dy[pl * ohw + o]!;
  },

  avgpoolForward(x, planes, h, w, size, stride, oh, ow, y) {
    const inv = 1 / (size * size);
    for (let pl = 0; pl < planes; pl++) {
      const xi = pl * h * w;
      const yo = pl * oh * ow;
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          let s = 0;
          for (let dy = 0; dy < size; dy++) {
            const r = xi + (oy * stride + dy) * w + ox * stride;
            for (let dx = 0; dx < size; dx++) s += x[r + dx]!;
          }
          y[yo + oy * ow + ox] = s * inv;
        }
    }
  },

  avgpoolBackward(dy, planes, h, w, size, stride, oh, ow, dx) {
    const inv = 1 / (size * size);
    dx.fill(0, 0, planes * h * w);
    for (let pl = 0; pl < planes; pl++) {
      const xi = pl * h * w;
      const yo = pl * oh * ow;
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          const g = dy[yo + oy * ow + ox]! * inv;
          for (let ddy = 0; ddy < size; ddy++) {
            const r = xi + (oy * stride + ddy) * w + ox * stride;
            for (let ddx = 0; ddx < size; ddx++) dx[r + ddx]! += g;
          }
        }
    }
  },

  sigmoid(z, a, n) {
    for (let i = 0; i < n; i++) a[i] = flushSubnormal(1 / (1 + Math.exp(-z[i]!)));
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
      for (let j = 0; j < cols; j++) a[o + j] = flushSubnormal(a[o + j]! * inv);
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
    for (let i = 0; i < n; i++) g[i]! += scaled(c, w[i]!);
  },
  addL1Grad(w, g, c, n) {
    for (let i = 0; i < n; i++) g[i]! += c * Math.sign(w[i]!);
  },
  sgdStep(w, g, eta, n) {
    for (let i = 0; i < n; i++) w[i]! -= eta * g[i]!;
  },
  sgdDecayStep(w, g, eta, c, n) {
    for (let i = 0; i < n; i++) w[i]! -= eta * Math.fround(g[i]! + scaled(c, w[i]!)); // w → (1 − ηλ/n) w − η ∂C₀/∂w
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
      const s = flushSubnormal(acc[i]! + scaled(1, gi * gi));
      acc[i] = s;
      w[i] = flushSubnormal(w[i]! - scaled(eta, gi / (Math.sqrt(s) + eps)));
    }
  },
  rmspropStep(w, acc, g, eta, rho, eps, n) {
    for (let i = 0; i < n; i++) {
      const gi = g[i]!;
      const s = flushSubnormal(rho * acc[i]! + scaled(1 - rho, gi * gi));
      acc[i] = s;
      w[i] = flushSubnormal(w[i]! - scaled(eta, gi / (Math.sqrt(s) + eps)));
    }
  },
  adamStep(w, m, v, g, etaT, b1, b2, epsT, n) {
    for (let i = 0; i < n; i++) {
      const gi = g[i]!;
      const mi = flushSubnormal(b1 * m[i]! + scaled(1 - b1, gi));
      const vi = flushSubnormal(b2 * v[i]! + scaled(1 - b2, gi * gi));
      m[i] = mi;
      v[i] = vi;
      w[i] = flushSubnormal(w[i]! - scaled(etaT, mi / (Math.sqrt(vi) + epsT)));
    }
  },

  gatherBytes(src, rows, from, count, size, scale, dst) {
    for (let r = 0; r < count; r++) {
      const s = rows[from + r]! * size;
      const d = r * size;
      for (let i = 0; i < size; i++) dst[d + i] = src[s + i]! * scale;
    }
  },
};
