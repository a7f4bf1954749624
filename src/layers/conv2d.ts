import type { LayerSpec, PaddingName } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import type { Shape } from '../core/shape.js';
import { shapeToString } from '../core/shape.js';
import { initBiases, initWeights } from '../init/initializers.js';
import { sparseWorkSize } from '../kernels/kernels.js';
import { makeParam, type Layer, type LayerContext, type Param } from './layer.js';

/**
 * Floats each of a convolution's chunk buffers may hold (the unfolded patches as columns, as rows,
 * and the sparse products' lists, 2·filters + 34 floats a position); larger batches are done in
 * chunks.
 */
export const CONV_COLUMN_BUDGET = 1 << 19;

/**
 * The forward pass unfolds patches of at least this many inputs (c·k·k) one a row (im2row, which
 * the backward pass then reuses) and shorter ones one a column (im2col): a first layer on one
 * channel (25 inputs) multiplies W · cols about twice as fast as W · rowsᵀ (measured 0.14 vs
 * 0.27 ms for 20 filters of 5×5 on 12 MNIST images); from 500 inputs on the two are equal.
 */
export const ROW_PATCH_MIN = 32;

/** Output size and leading padding of one spatial dimension. */
export function convOutputSize(size: number, kernel: number, stride: number, padding: PaddingName): { out: number; pad: number } {
  if (padding === 'same') {
    // TensorFlow's rule: out = ⌈size/stride⌉, the padding split with the extra pixel after the image.
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + kernel - size, 0);
    return { out, pad: Math.floor(total / 2) };
  }
  return { out: size >= kernel ? Math.floor((size - kernel) / stride) + 1 : 0, pad: 0 };
}

/**
 * 2-D convolution with shared weights (book chap6 #introducing_convolutional_networks): `filters`
 * feature maps, each a k×k filter over all `c` input channels with one bias,
 *
 *   z[f, y, x] = b_f + Σ_c Σ_{l,m < k} w[f, c, l, m] · a[c, y·s + l − p, x·s + m − p]   (book eq. 125, summed over channels)
 *
 * Images are [channels × height × width], examples contiguous. Padding `valid` uses only whole
 * windows (28×28 → 24×24 for k = 5); `same` keeps ⌈size/stride⌉ outputs, padding with zeros.
 *
 * Implementation: the patches of a chunk of examples are unfolded into a matrix, so that the
 * convolution of the whole chunk is one matrix product with W stored [filters × c·k·k]: as
 * columns (im2col, Z = W · cols) for short patches, as rows (im2row, Z = W · rowsᵀ) for long ones
 * (ROW_PATCH_MIN). The backward pass is two more products on the rows and the col2im adjoint;
 * both products skip the zeros of δ (`gemmSparseA`): after a max-pooling layer only each window's
 * maximum gets an error, so at least 3/4 of δ is zero (2×2 windows; 85-88 % with ReLU in the
 * chapter-6 network) and they do that much less work. All buffers are allocated in `setCapacity`.
 *
 * Parameters: the weights (shape [filters, c, k, k], `units` = filters, so max-norm limits each
 * filter) are **decayed** by L2/L1 like every other weight (λ/n per example, network2's scaling;
 * see docs/convolution.md for network3's λ); the biases are not. Initialization uses fan-in c·k·k.
 */
export class Conv2d implements Layer {
  readonly kind = 'conv2d';
  readonly outputShape: Shape;
  readonly weights: Param;
  readonly biases: Param;
  private readonly c: number;
  private readonly h: number;
  private readonly w: number;
  private readonly k: number;
  private readonly oh: number;
  private readonly ow: number;
  private readonly padY: number;
  private readonly padX: number;
  /** c·k·k: rows of the column matrix, inputs of one filter. */
  private readonly patch: number;
  /** oh·ow. */
  private readonly plane: number;
  private readonly inSize: number;
  private readonly outSize: number;
  /** Examples per im2col chunk. */
  private chunk = 0;
  private col: Float32Array = new Float32Array(0);
  /** Patches one a row: [chunk·oh·ow × c·k·k]. */
  private rows: Float32Array = new Float32Array(0);
  /** Scratch of the sparse products. */
  private work: Float32Array = new Float32Array(0);
  /** The forward pass unfolds as rows (patch ≥ ROW_PATCH_MIN), else as columns. */
  private readonly byRows: boolean;
  /** A chunk's output (forward) or output error (backward), channel-major [filters × chunk·oh·ow]. */
  private tmp: Float32Array = new Float32Array(0);
  private out: Float32Array = new Float32Array(0);
  private inputError: Float32Array = new Float32Array(0);
  private input: Float32Array | null = null;
  /** `rows` still holds the unfolded patches of the last forward's batch (by rows, one chunk), of this many examples. */
  private unfolded = 0;

  constructor(
    readonly inputShape: Shape,
    readonly filters: number,
    readonly kernel: number,
    readonly stride: number,
    readonly padding: PaddingName,
    private readonly ctx: LayerContext,
  ) {
    if (inputShape.length !== 3)
      throw new ConfigError('network.layers', 'a convolution over images of shape channels x height x width', `conv2d on input of shape ${shapeToString(inputShape)}`);
    [this.c, this.h, this.w] = inputShape as [number, number, number];
    this.k = kernel;
    const y = convOutputSize(this.h, kernel, stride, padding);
    const x = convOutputSize(this.w, kernel, stride, padding);
    if (y.out < 1 || x.out < 1)
      throw new ConfigError('network.layers', `a ${kernel}x${kernel} convolution that fits its ${this.h}x${this.w} input (use 'same' padding or a smaller kernel)`, `conv ${filters}x${kernel}x${kernel}`);
    this.oh = y.out;
    this.ow = x.out;
    this.padY = y.pad;
    this.padX = x.pad;
    this.patch = this.c * kernel * kernel;
    this.plane = this.oh * this.ow;
    this.inSize = this.c * this.h * this.w;
    this.outSize = filters * this.plane;
    this.outputShape = [filters, this.oh, this.ow];
    this.byRows = this.patch >= ROW_PATCH_MIN;
    this.weights = makeParam(ctx.kernels, `${ctx.index}.conv2d.weights`, [filters, this.c, kernel, kernel], true, filters);
    this.biases = makeParam(ctx.kernels, `${ctx.index}.conv2d.biases`, [filters], false, filters);
    // network3 counts a conv layer's outputs after its pooling: n_out = filters·k²/pool area
    const fanOut = (filters * kernel * kernel) / (ctx.init === 'network3' ? (ctx.poolArea ?? 1) : 1);
    initWeights(ctx.init, this.weights.value, this.patch, fanOut, ctx.rng);
    initBiases(ctx.init, this.biases.value, ctx.rng);
  }

  setCapacity(capacity: number): void {
    const k = this.ctx.kernels;
    // floats a position: the patch (as a column, as a row), and the sparse products' lists (sparseWorkSize)
    const perPosition = Math.max(this.patch, 2 * this.filters + 34);
    this.chunk = Math.max(1, Math.min(capacity, Math.floor(CONV_COLUMN_BUDGET / (perPosition * this.plane))));
    const positions = this.chunk * this.plane;
    this.col = k.alloc(this.patch * positions);
    this.rows = k.alloc(this.patch * positions);
    this.work = k.alloc(Math.max(sparseWorkSize(this.filters, positions), sparseWorkSize(positions, this.filters)));
    this.tmp = k.alloc(this.filters * this.chunk * this.plane);
    this.out = k.alloc(capacity * this.outSize);
    this.inputError = k.alloc(capacity * this.inSize);
    this.unfolded = 0;
  }

  private unfoldRows(input: Float32Array, first: number, count: number): void {
    this.ctx.kernels.im2row(input, first * this.inSize, count, this.c, this.h, this.w, this.k, this.stride, this.padY, this.padX, this.oh, this.ow, this.rows);
  }

  /** Z = W · im2col(A) + b (= W · im2row(A)ᵀ + b), per chunk of examples; then back to one [filters × oh × ow] block per example. */
  forward(input: Float32Array, batch: number): Float32Array {
    const k = this.ctx.kernels;
    this.input = input;
    for (let first = 0; first < batch; first += this.chunk) {
      const count = Math.min(this.chunk, batch - first);
      const n = count * this.plane;
      if (this.byRows) {
        this.unfoldRows(input, first, count);
        k.gemmNT(this.filters, n, this.patch, this.weights.value, this.rows, this.tmp, false);
      } else {
        k.im2col(input, first * this.inSize, count, this.c, this.h, this.w, this.k, this.stride, this.padY, this.padX, this.oh, this.ow, this.col);
        k.gemm(this.filters, n, this.patch, this.weights.value, this.col, this.tmp, false);
      }
      k.addChannelBias(this.tmp, this.biases.value, 1, this.filters, n);
      k.channelsToBatch(this.tmp, count, this.filters, this.plane, this.out, first * this.outSize);
    }
    this.unfolded = this.byRows && batch <= this.chunk ? batch : 0;
    return this.out;
  }

  /**
   * With δ = ∂C/∂z (mean over the batch), per chunk, Δ = δ channel-major [filters × positions] and
   * X = im2col(a), so that im2row(a) = Xᵀ:
   * ∂C/∂w = Δ · Xᵀ   (book BP4 with shared weights: Σ over every position the filter visited);
   * ∂C/∂b_f = Σ_positions δ_f   (BP3, shared bias);
   * ∂C/∂a = col2im(Wᵀ · Δ)   (BP2: each input pixel collects the error of every window it was in).
   * Both products multiply only the nonzero entries of Δ; Wᵀ · Δ is computed as (Δᵀ · W)ᵀ with Δᵀ
   * read in place.
   */
  backward(delta: Float32Array, batch: number, needInputError: boolean, accumulate = false): Float32Array | null {
    const k = this.ctx.kernels;
    if (!this.input) throw new Error('Conv2d.backward called before forward');
    for (let first = 0; first < batch; first += this.chunk) {
      const count = Math.min(this.chunk, batch - first);
      const n = count * this.plane;
      const acc = accumulate || first > 0;
      if (this.unfolded !== batch) this.unfoldRows(this.input, first, count); // (a batch of one chunk)
      k.batchToChannels(delta, first * this.outSize, count, this.filters, this.plane, this.tmp);
      k.gemmSparseA(this.filters, this.patch, n, this.tmp, n, 1, this.rows, this.weights.grad, false, acc, this.work);
      k.channelSums(this.tmp, 1, this.filters, n, this.biases.grad, acc);
      if (needInputError) {
        k.gemmSparseA(n, this.patch, this.filters, this.tmp, 1, n, this.weights.value, this.col, true, false, this.work);
        k.col2im(this.col, count, this.c, this.h, this.w, this.k, this.stride, this.padY, this.padX, this.oh, this.ow, this.inputError, first * this.inSize);
      }
    }
    return needInputError ? this.inputError : null;
  }

  params(): Param[] {
    return [this.weights, this.biases];
  }

  toSpec(): LayerSpec {
    return { type: 'conv2d', filters: this.filters, kernel: this.kernel, stride: this.stride, padding: this.padding };
  }
}
