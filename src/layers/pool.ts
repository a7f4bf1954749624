import type { LayerSpec } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import type { Shape } from '../core/shape.js';
import { shapeToString } from '../core/shape.js';
import type { Layer, LayerContext, Param } from './layer.js';

export type PoolMode = 'max' | 'avg';

/**
 * Pooling over each feature map separately (book chap6, "pooling layers"): size×size windows moved
 * by `stride` (default: the size, non-overlapping), without padding, so an edge that does not fill
 * a whole window is dropped (network3's `ignore_border=True`): out = ⌊(in − size)/stride⌋ + 1.
 * - max-pooling: y = max of the window; the backward pass sends each window's error to the input
 *   that was the maximum (remembered in the forward pass; the first one on ties);
 * - average-pooling: y = (1/size²) Σ window; each input of the window gets 1/size² of its error.
 * No parameters.
 */
export class Pool2d implements Layer {
  readonly kind: 'maxpool' | 'avgpool';
  readonly outputShape: Shape;
  private readonly c: number;
  private readonly h: number;
  private readonly w: number;
  private readonly oh: number;
  private readonly ow: number;
  private readonly inSize: number;
  private out: Float32Array = new Float32Array(0);
  /** Max-pooling: index (within its plane) of each window's maximum. */
  private arg: Float32Array = new Float32Array(0);
  private inputError: Float32Array = new Float32Array(0);

  constructor(readonly inputShape: Shape, readonly mode: PoolMode, readonly size: number, readonly stride: number, private readonly ctx: LayerContext) {
    this.kind = mode === 'max' ? 'maxpool' : 'avgpool';
    if (inputShape.length !== 3)
      throw new ConfigError('network.layers', 'pooling over images of shape channels x height x width', `${this.kind} on input of shape ${shapeToString(inputShape)}`);
    [this.c, this.h, this.w] = inputShape as [number, number, number];
    if (size > this.h || size > this.w)
      throw new ConfigError('network.layers', `a pooling window that fits its ${this.h}x${this.w} input`, `${this.kind} ${size}`);
    this.oh = Math.floor((this.h - size) / stride) + 1;
    this.ow = Math.floor((this.w - size) / stride) + 1;
    this.inSize = this.c * this.h * this.w;
    this.outputShape = [this.c, this.oh, this.ow];
  }

  setCapacity(capacity: number): void {
    const k = this.ctx.kernels;
    const outSize = this.c * this.oh * this.ow;
    this.out = k.alloc(capacity * outSize);
    if (this.mode === 'max') this.arg = k.alloc(capacity * outSize);
    this.inputError = k.alloc(capacity * this.inSize);
  }

  forward(input: Float32Array, batch: number): Float32Array {
    const k = this.ctx.kernels;
    const planes = batch * this.c;
    if (this.mode === 'max') k.maxpoolForward(input, planes, this.h, this.w, this.size, this.stride, this.oh, this.ow, this.out, this.arg);
    else k.avgpoolForward(input, planes, this.h, this.w, this.size, this.stride, this.oh, this.ow, this.out);
    return this.out;
  }

  /** ∂C/∂x: max — the window's error at its argmax, 0 elsewhere; avg — error/size² spread over the window. */
  backward(dy: Float32Array, batch: number, needInputError: boolean): Float32Array | null {
    if (!needInputError) return null;
    const k = this.ctx.kernels;
    const planes = batch * this.c;
    if (this.mode === 'max') k.maxpoolBackward(dy, this.arg, planes, this.h, this.w, this.oh, this.ow, this.inputError);
    else k.avgpoolBackward(dy, planes, this.h, this.w, this.size, this.stride, this.oh, this.ow, this.inputError);
    return this.inputError;
  }

  params(): Param[] {
    return [];
  }

  toSpec(): LayerSpec {
    return { type: this.kind, size: this.size, stride: this.stride };
  }
}
