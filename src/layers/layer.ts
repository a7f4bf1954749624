import type { Kernels } from '../kernels/kernels.js';
import type { Rng } from '../core/rng.js';
import type { Shape } from '../core/shape.js';
import type { LayerSpec, InitName } from '../core/config.js';

/**
 * A trainable tensor owned by a layer, with its gradient buffer beside it.
 * The gradient is that of the mini-batch *mean* cost, (1/m) Σ_x ∂C_x/∂w.
 */
export interface Param {
  /** e.g. "2.dense.weights" */
  readonly name: string;
  readonly value: Float32Array;
  readonly grad: Float32Array;
  readonly size: number;
  readonly shape: readonly number[];
  /** Weights are regularized (L2, L1, max-norm); biases never are (book eq. 89). */
  readonly decay: boolean;
  /**
   * For max-norm: the parameter seen as `units` rows of incoming weights, one row per output
   * unit (a dense layer's W[out×in], a convolution's filters).
   */
  readonly units: number;
}

/** What a layer needs to build itself. */
export interface LayerContext {
  readonly kernels: Kernels;
  readonly rng: Rng;
  readonly init: InitName;
  /** Position of the layer in the network, used to name its parameters. */
  readonly index: number;
  /**
   * What `network3` initialization needs to know of the layers after this one: the area of the
   * pooling that follows a convolution (its n_out is filters·k²/pool area), and whether a dense
   * layer's neurons are softmax (network3's softmax layer starts at zero). Set by `buildLayers`.
   */
  readonly poolArea?: number;
  readonly softmaxOutput?: boolean;
  /**
   * A dense layer whose output goes through ReLU or dropout: its error δ is then mostly zeros
   * (ReLU's inactive units, dropped units), and its input-error product δ·W skips them (∂C/∂w
   * stays dense). Set by `buildLayers`.
   */
  readonly sparseError?: boolean;
}

/**
 * One step of a network. Forward and backward live side by side in each layer's file.
 * Buffers are allocated once for `capacity` examples and reused for every batch.
 */
export interface Layer {
  readonly kind: string;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  /** (Re)allocate activation buffers for batches of up to `capacity` examples. */
  setCapacity(capacity: number): void;
  /**
   * Compute this layer's output for `batch` examples laid out row by row in `input`.
   * Returns the layer's own output buffer (valid until its next forward). The layer may keep a
   * reference to `input` for its backward pass.
   */
  forward(input: Float32Array, batch: number, training: boolean): Float32Array;
  /**
   * Given ∂C/∂(output), fill this layer's parameter gradients and return ∂C/∂(input), or null
   * when `needInputError` is false (the first layer). With `accumulate`, add to the parameter
   * gradients instead of overwriting them (a later part of the same mini-batch).
   */
  backward(outputError: Float32Array, batch: number, needInputError: boolean, accumulate?: boolean): Float32Array | null;
  params(): Param[];
  /** The JSON description that rebuilds this layer (weights are saved separately). */
  toSpec(): LayerSpec;
}

export function makeParam(kernels: Kernels, name: string, shape: readonly number[], decay: boolean, units: number): Param {
  let size = 1;
  for (const d of shape) size *= d;
  return { name, value: kernels.alloc(size), grad: kernels.alloc(size), size, shape, decay, units };
}
