/**
 * The one interface every numeric backend implements. All of nnlab's arithmetic on tensors goes
 * through it: layers, costs and optimizers call these functions and never loop over big arrays
 * themselves. Matrices are row-major `Float32Array`s; sizes are passed explicitly so that a
 * buffer may be larger than the data it holds (buffers are sized for the largest batch).
 *
 * Buffers that kernels work on must come from `alloc` of the same backend: a WebAssembly backend
 * hands out views of its own linear memory so that no data is copied per call.
 */
export interface Kernels {
  /** Short name: 'reference', 'wasm', ... */
  readonly name: string;
  /**
   * True when the matrix products use fused multiply-adds (c + a·b with one rounding: the wasm
   * backends' relaxed-SIMD build on a processor with FMA). Results then differ in the last bits
   * from a backend without, so a run records it beside the backend's name.
   */
  readonly fma?: boolean;

  /** A zero-filled buffer of `n` floats that this backend can work on. */
  alloc(n: number): Float32Array;

  // ---- matrix products (the three forms backprop needs) ----------------------------------
  /** C[m×n] = A[m×k] · B[k×n]   (C += ... when `accumulate`). */
  gemm(m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array, accumulate: boolean): void;
  /** C[m×n] = A[m×k] · Bᵀ, B stored [n×k]   (C += ... when `accumulate`). */
  gemmNT(m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array, accumulate: boolean): void;
  /** C[m×n] = Aᵀ · B[k×n], A stored [k×m]   (C += ... when `accumulate`). */
  gemmTN(m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array, accumulate: boolean): void;

  /**
   * C (+)= A · B[k×n] for an A [m×k] that is mostly zeros, with A(i, p) = a[i·ars + p·aks] (so A
   * may be a stored matrix, ars = k and aks = 1, or the transpose of one, ars = 1 and aks = m).
   * Where A is at most half nonzero only its nonzero entries are multiplied: C(i, j) =
   * Σ_{p : A(i, p) ≠ 0} A(i, p) · B[p, j], the values of a dense product except that a skipped
   * zero does not carry NaN or ∞ from B (a denser A may be multiplied in full, zeros included). C is
   * stored [m×n], or with `cTransposed` [n×m] (C(i, j) at c[j·m + i]). With `accumulate`, a
   * row-major C is added to term by term, a transposed C gets the finished sum added. `work` is
   * scratch of at least `sparseWorkSize(m, k)` floats from `alloc`; ars and aks must not be
   * negative. Used where max-pooling leaves 3 of 4 entries of an error zero (a convolution's
   * backward pass).
   */
  gemmSparseA(m: number, n: number, k: number, a: Float32Array, ars: number, aks: number, b: Float32Array, c: Float32Array, cTransposed: boolean, accumulate: boolean, work: Float32Array): void;

  // ---- rows and columns --------------------------------------------------------------------
  /** x[r, j] += bias[j] for every row r < rows. */
  addRowVector(x: Float32Array, bias: Float32Array, rows: number, cols: number): void;
  /** out[j] = scale · Σ_r x[r, j]   (out += ... when `accumulate`). */
  columnSums(x: Float32Array, rows: number, cols: number, out: Float32Array, scale: number, accumulate: boolean): void;

  // ---- convolution and pooling (images are [channels × height × width], examples contiguous) --
  /**
   * Unfold image patches into columns (im2col), so that a convolution becomes one matrix product.
   * Reads `count` examples of shape [c × h × w] starting at float offset `xOff` of `x`, and writes
   * col[(ci·k + ky)·k + kx, e·oh·ow + oy·ow + ox] = x[e, ci, oy·stride + ky − padY, ox·stride + kx − padX]
   * (0 outside the image), a [c·k·k × count·oh·ow] matrix. Padding below and to the right is
   * whatever lies past the image's edge (so `same` padding may be asymmetric).
   */
  im2col(x: Float32Array, xOff: number, count: number, c: number, h: number, w: number, k: number, stride: number, padY: number, padX: number, oh: number, ow: number, col: Float32Array): void;
  /**
   * `im2col` transposed (im2row): one patch a row, rows[(e·oh·ow + oy·ow + ox)·c·k·k + (ci·k + ky)·k + kx]
   * = x[e, ci, oy·stride + ky − padY, ox·stride + kx − padX] (0 outside the image), a
   * [count·oh·ow × c·k·k] matrix.
   */
  im2row(x: Float32Array, xOff: number, count: number, c: number, h: number, w: number, k: number, stride: number, padY: number, padX: number, oh: number, ow: number, rows: Float32Array): void;
  /**
   * The adjoint of `im2col` (col2im): dx[e, ci, y, x] = Σ of every col entry `im2col` read from that
   * pixel. Overwrites the `count` examples of dx starting at float offset `dxOff` (pixels no patch
   * covers get 0).
   */
  col2im(col: Float32Array, count: number, c: number, h: number, w: number, k: number, stride: number, padY: number, padX: number, oh: number, ow: number, dx: Float32Array, dxOff: number): void;
  /**
   * Channel-major to batch-major: dst[dstOff + (e·channels + ch)·plane + p] = src[(ch·count + e)·plane + p]
   * for e < count. `src` is a [channels × count·plane] matrix (a convolution's gemm output).
   */
  channelsToBatch(src: Float32Array, count: number, channels: number, plane: number, dst: Float32Array, dstOff: number): void;
  /** The inverse of `channelsToBatch`: dst[(ch·count + e)·plane + p] = src[srcOff + (e·channels + ch)·plane + p]. */
  batchToChannels(src: Float32Array, srcOff: number, count: number, channels: number, plane: number, dst: Float32Array): void;
  /** x[(r·channels + ch)·plane + p] += bias[ch]: one bias per channel (feature map). */
  addChannelBias(x: Float32Array, bias: Float32Array, rows: number, channels: number, plane: number): void;
  /** out[ch] = Σ_r Σ_p x[(r·channels + ch)·plane + p]   (out += ... when `accumulate`). */
  channelSums(x: Float32Array, rows: number, channels: number, plane: number, out: Float32Array, accumulate: boolean): void;
  /**
   * Max-pooling over `planes` independent [h × w] planes with size×size windows moved by `stride`
   * (no padding; oh = ⌊(h − size)/stride⌋ + 1): y[pl, oy, ox] = max of the window, and
   * arg[pl, oy, ox] = the index (y·w + x, within its plane) of the first maximum, for the backward pass.
   */
  maxpoolForward(x: Float32Array, planes: number, h: number, w: number, size: number, stride: number, oh: number, ow: number, y: Float32Array, arg: Float32Array): void;
  /** dx = 0, then dx[pl, arg[pl, o]] += dy[pl, o]: each window's error goes to its maximum. */
  maxpoolBackward(dy: Float32Array, arg: Float32Array, planes: number, h: number, w: number, oh: number, ow: number, dx: Float32Array): void;
  /** Average-pooling, windows as `maxpoolForward`: y[pl, oy, ox] = (1/size²) Σ_window x. */
  avgpoolForward(x: Float32Array, planes: number, h: number, w: number, size: number, stride: number, oh: number, ow: number, y: Float32Array): void;
  /** dx = 0, then every input of a window gets dy/size² (summed over overlapping windows). */
  avgpoolBackward(dy: Float32Array, planes: number, h: number, w: number, size: number, stride: number, oh: number, ow: number, dx: Float32Array): void;

  // ---- neurons: forward a = f(z), backward dz = da ⊙ f′(z) ----------------------------------
  /** a = σ(z) = 1 / (1 + e^{−z}); 0 where that is subnormal (z < −87.3). */
  sigmoid(z: Float32Array, a: Float32Array, n: number): void;
  /** dz = da ⊙ σ′(z), with σ′(z) = σ(z)(1 − σ(z)) computed from the stored output a. */
  sigmoidBackward(a: Float32Array, da: Float32Array, dz: Float32Array, n: number): void;
  tanh(z: Float32Array, a: Float32Array, n: number): void;
  /** dz = da ⊙ (1 − a²). */
  tanhBackward(a: Float32Array, da: Float32Array, dz: Float32Array, n: number): void;
  relu(z: Float32Array, a: Float32Array, n: number): void;
  /** dz = da where z > 0, else 0. */
  reluBackward(z: Float32Array, da: Float32Array, dz: Float32Array, n: number): void;
  /**
   * Row-wise softmax, a_j = e^{z_j} / Σ_k e^{z_k} (shifted by the row max for stability). An
   * output under 2⁻¹²⁶ is stored as 0: a confident network's would otherwise be subnormal, and
   * every product with them in the backward pass many times slower on x86.
   */
  softmaxRows(z: Float32Array, a: Float32Array, rows: number, cols: number): void;
  /** dz_j = a_j (da_j − Σ_k da_k a_k), the softmax Jacobian applied row by row. */
  softmaxBackwardRows(a: Float32Array, da: Float32Array, dz: Float32Array, rows: number, cols: number): void;

  // ---- element-wise ------------------------------------------------------------------------
  /** out = x ⊙ y. */
  mul(x: Float32Array, y: Float32Array, out: Float32Array, n: number): void;
  /** out = x − y. */
  sub(x: Float32Array, y: Float32Array, out: Float32Array, n: number): void;
  /** y += alpha · x. */
  axpy(alpha: number, x: Float32Array, y: Float32Array, n: number): void;
  /** x *= alpha. */
  scale(x: Float32Array, alpha: number, n: number): void;

  // ---- regularizer gradients and optimizer steps ---------------------------------------------
  /**
   * g += c · w   (L2, with c = λ/n). A term c·w under 2⁻¹²⁶ is not added (nor formed, in the wasm
   * kernels): Adam with L2 leaves weights near 1e-35, and subnormal arithmetic is slow on x86.
   */
  addL2Grad(w: Float32Array, g: Float32Array, c: number, n: number): void;
  /** g += c · sgn(w), sgn(0) = 0   (L1, with c = λ/n). */
  addL1Grad(w: Float32Array, g: Float32Array, c: number, n: number): void;
  /** w −= η g. */
  sgdStep(w: Float32Array, g: Float32Array, eta: number, n: number): void;
  /**
   * The book's L2 step in one pass (eq. 93): w → (1 − ηλ/n) w − η ∂C₀/∂w, computed as
   * w −= η (g + c·w) with c = λ/n, rounding g + c·w to float32 first, so that the result is bit for
   * bit that of `addL2Grad` followed by `sgdStep` (without writing the sum back to g).
   */
  sgdDecayStep(w: Float32Array, g: Float32Array, eta: number, c: number, n: number): void;
  /** v = μ v − η g;  w += v. */
  momentumStep(w: Float32Array, v: Float32Array, g: Float32Array, eta: number, mu: number, n: number): void;
  /** Nesterov in the "look-ahead folded in" form: v = μ v − η g;  w += μ v − η g. */
  nesterovStep(w: Float32Array, v: Float32Array, g: Float32Array, eta: number, mu: number, n: number): void;
  /** G += g²;  w −= η g / (√G + ε). A subnormal G or w is stored as 0 (as in `adamStep`). */
  adagradStep(w: Float32Array, acc: Float32Array, g: Float32Array, eta: number, eps: number, n: number): void;
  /** S = ρ S + (1 − ρ) g²;  w −= η g / (√S + ε). A subnormal S or w is stored as 0 (as in `adamStep`). */
  rmspropStep(w: Float32Array, acc: Float32Array, g: Float32Array, eta: number, rho: number, eps: number, n: number): void;
  /**
   * m = β₁ m + (1 − β₁) g;  v = β₂ v + (1 − β₂) g²;  w −= ηₜ m / (√v + ε̂), with the bias
   * corrections folded into `etaT` = η √(1 − β₂ᵗ) / (1 − β₁ᵗ) and `epsT` = ε √(1 − β₂ᵗ).
   * A subnormal m, v or w (0 < |x| < 2⁻¹²⁶) is stored as 0: arithmetic on subnormals is many
   * times slower on x86, and Adam with a large L2 λ drives weights there. For the same reason no
   * term under 2⁻¹²⁶ is added: not (1 − β₁) g, (1 − β₂) g² (a tiny gradient, |g| < 3.4e-18 with
   * β₂ = 0.999, squares to one) nor the step ηₜ m / (√v + ε̂). AdaGrad and RMSProp likewise.
   */
  adamStep(w: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, etaT: number, b1: number, b2: number, epsT: number, n: number): void;

  // ---- data ------------------------------------------------------------------------------------
  /**
   * A mini-batch from a byte dataset: dst[r·size + i] = scale · src[rows[from + r]·size + i] for
   * r < count, i < size (`src` is any Uint8Array: it need not come from `alloc`).
   */
  gatherBytes(src: Uint8Array, rows: ArrayLike<number>, from: number, count: number, size: number, scale: number, dst: Float32Array): void;
}

/** Floats of scratch `gemmSparseA` needs for an m×k left operand: each row's nonzero entries (index and value), counts, cursors, a 4×32 tile for each group of 4 rows. */
export function sparseWorkSize(m: number, k: number): number {
  return 2 * m * k + 2 * m + 128 * Math.ceil(m / 4);
}

/**
 * A backend cannot allocate what was asked: a network or batch too large for its memory (a
 * WebAssembly memory holds at most 2 GiB). Something a user can act on, so the CLI prints its
 * message on one line instead of a stack trace.
 */
export class KernelMemoryError extends Error {
  override name = 'KernelMemoryError';
}
