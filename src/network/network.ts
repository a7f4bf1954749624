import type { InitName, LayerSpec } from '../core/config.js';
import type { Rng } from '../core/rng.js';
import type { Shape } from '../core/shape.js';
import { sizeOf } from '../core/shape.js';
import type { Cost } from '../costs/cost.js';
import type { Kernels } from '../kernels/kernels.js';
import { Activation, buildLayers, type Layer, type Param } from '../layers/index.js';

export interface NetworkOptions {
  inputShape: Shape;
  layers: readonly LayerSpec[];
  cost: Cost;
  init: InitName;
  kernels: Kernels;
  /** Seeds the weights and the dropout masks. */
  rng: Rng;
  dropoutPerBatch?: boolean;
}

/**
 * A network: a list of layers and a cost. `forward` runs a batch through the layers; `backward`
 * turns the cost's output error into every parameter's gradient.
 */
export class Network {
  readonly layers: Layer[];
  readonly cost: Cost;
  readonly kernels: Kernels;
  readonly inputShape: Shape;
  readonly outputSize: number;
  readonly specs: readonly LayerSpec[];
  readonly init: InitName;
  /** One dropout mask per mini-batch instead of per example. */
  readonly dropoutPerBatch: boolean;
  private capacity = 0;
  /** δ^L, or ∂C/∂a^L when the output neuron and cost are not a fused pair. */
  private outError: Float32Array = new Float32Array(0);
  private readonly fused: boolean;
  private lastOutput: Float32Array | null = null;

  constructor(opts: NetworkOptions) {
    this.cost = opts.cost;
    this.kernels = opts.kernels;
    this.inputShape = opts.inputShape;
    this.specs = opts.layers;
    this.init = opts.init;
    this.dropoutPerBatch = opts.dropoutPerBatch ?? false;
    this.layers = buildLayers(opts.layers, opts.inputShape, (index) => ({ kernels: opts.kernels, rng: opts.rng, init: opts.init, index }), {
      dropoutPerBatch: this.dropoutPerBatch,
    });
    this.outputSize = sizeOf(this.layers[this.layers.length - 1]!.outputShape);
    const last = this.layers[this.layers.length - 1];
    this.fused = last instanceof Activation && last.fn === this.cost.fusedWith;
  }

  /** Make every buffer hold batches of up to `capacity` examples (no-op if already large enough). */
  ensureCapacity(capacity: number): void {
    if (capacity <= this.capacity) return;
    for (const l of this.layers) l.setCapacity(capacity);
    this.outError = this.kernels.alloc(capacity * this.outputSize);
    this.capacity = capacity;
  }

  /** Output activations a^L for `batch` examples (rows of `x`). The returned buffer is reused. */
  forward(x: Float32Array, batch: number, training: boolean): Float32Array {
    this.ensureCapacity(batch);
    let a = x;
    for (const l of this.layers) a = l.forward(a, batch, training);
    this.lastOutput = a;
    return a;
  }

  /**
   * Backpropagation after `forward(x, batch, true)`, for one-hot targets `y`. Fills every
   * parameter's gradient with that of the mean cost over the batch, (1/m) Σ_x ∂C_x/∂w, with
   * m = `meanOver` (default `batch`; a part of a mini-batch of m passes m). With `accumulate` the
   * gradients are added to what the parameters' `grad` holds (the mini-batch's earlier parts).
   */
  backward(y: Float32Array, batch: number, meanOver = batch, accumulate = false): void {
    const k = this.kernels;
    const n = batch * this.outputSize;
    const lastIndex = this.layers.length - 1;
    const aL = this.lastOutput;
    if (!aL) throw new Error('Network.backward called before forward');
    let start: number;
    if (this.fused) {
      // δ^L = a^L − y   (eq. 66 for sigmoid + cross-entropy, eq. 84 for softmax + log-likelihood)
      k.sub(aL, y, this.outError, n);
      start = lastIndex - 1;
    } else {
      this.cost.derivative(aL, y, this.outError, n); // ∂C/∂a^L; the output layer applies f′(z)
      start = lastIndex;
    }
    k.scale(this.outError, 1 / meanOver, n); // mean over the mini-batch: the (1/m) Σ_x of eq. 93
    let err: Float32Array | null = this.outError;
    for (let i = start; i >= 0 && err; i--) err = this.layers[i]!.backward(err, batch, i > 0, accumulate);
  }


  params(): Param[] {
    return this.layers.flatMap((l) => l.params());
  }

  /** Number of trainable numbers. */
  parameterCount(): number {
    return this.params().reduce((s, p) => s + p.size, 0);
  }
}
