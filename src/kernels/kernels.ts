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

  /** A zero-filled buffer of `n` floats that this backend can work on. */
  alloc(n: number): Float32Array;

  // ---- matrix products (the three forms backprop needs) ----------------------------------
  /** C[m×n] = A[m×k] · B[k×n]   (C += ... when `accumulate`). */
  gemm(m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array, accumulate: boolean): void;
  /** C[m×n] = A[m×k] · Bᵀ, B stored [n×k]   (C += ... when `accumulate`). */
  gemmNT(m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array, accumulate: boolean): void;
  /** C[m×n] = Aᵀ · B[k×n], A stored [k×m]   (C += ... when `accumulate`). */
  gemmTN(m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array, accumulate: boolean): void;

  // ---- rows and columns --------------------------------------------------------------------
  /** x[r, j] += bias[j] for every row r < rows. */
  addRowVector(x: Float32Array, bias: Float32Array, rows: number, cols: number): void;
  /** out[j] = scale · Σ_r x[r, j]   (out += ... when `accumulate`). */
  columnSums(x: Float32Array, rows: number, cols: number, out: Float32Array, scale: number, accumulate: boolean): void;

  // ---- neurons: forward a = f(z), backward dz = da ⊙ f′(z) ----------------------------------
  sigmoid(z: Float32Array, a: Float32Array, n: number): void;
  /** dz = da ⊙ σ′(z), with σ′(z) = σ(z)(1 − σ(z)) computed from the stored output a. */
  sigmoidBackward(a: Float32Array, da: Float32Array, dz: Float32Array, n: number): void;
  tanh(z: Float32Array, a: Float32Array, n: number): void;
  /** dz = da ⊙ (1 − a²). */
  tanhBackward(a: Float32Array, da: Float32Array, dz: Float32Array, n: number): void;
  relu(z: Float32Array, a: Float32Array, n: number): void;
  /** dz = da where z > 0, else 0. */
  reluBackward(z: Float32Array, da: Float32Array, dz: Float32Array, n: number): void;
  /** Row-wise softmax, a_j = e^{z_j} / Σ_k e^{z_k} (shifted by the row max for stability). */
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
  /** g += c · w   (L2, with c = λ/n). */
  addL2Grad(w: Float32Array, g: Float32Array, c: number, n: number): void;
  /** g += c · sgn(w), sgn(0) = 0   (L1, with c = λ/n). */
  addL1Grad(w: Float32Array, g: Float32Array, c: number, n: number): void;
  /** w −= η g. */
  sgdStep(w: Float32Array, g: Float32Array, eta: number, n: number): void;
  /** v = μ v − η g;  w += v. */
  momentumStep(w: Float32Array, v: Float32Array, g: Float32Array, eta: number, mu: number, n: number): void;
  /** Nesterov in the "look-ahead folded in" form: v = μ v − η g;  w += μ v − η g. */
  nesterovStep(w: Float32Array, v: Float32Array, g: Float32Array, eta: number, mu: number, n: number): void;
  /** G += g²;  w −= η g / (√G + ε). */
  adagradStep(w: Float32Array, acc: Float32Array, g: Float32Array, eta: number, eps: number, n: number): void;
  /** S = ρ S + (1 − ρ) g²;  w −= η g / (√S + ε). */
  rmspropStep(w: Float32Array, acc: Float32Array, g: Float32Array, eta: number, rho: number, eps: number, n: number): void;
  /**
   * m = β₁ m + (1 − β₁) g;  v = β₂ v + (1 − β₂) g²;  w −= ηₜ m / (√v + ε̂), with the bias
   * corrections folded into `etaT` = η √(1 − β₂ᵗ) / (1 − β₁ᵗ) and `epsT` = ε √(1 − β₂ᵗ).
   */
  adamStep(w: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, etaT: number, b1: number, b2: number, epsT: number, n: number): void;
}
