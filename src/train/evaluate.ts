import { sizeOf } from '../core/shape.js';
import { fillBatch, type ExampleSet } from '../data/dataset.js';
import type { Network } from '../network/network.js';

export interface Evaluation {
  /** Mean cost per example, C₀ (the caller adds any regularization penalty). */
  cost: number;
  /** Fraction classified correctly. */
  accuracy: number;
  correct: number;
  count: number;
}

/** Examples per forward pass during evaluation. */
export const EVAL_BATCH = 250;

/** Index of the largest of `cols` values starting at `offset`. */
export function argmax(a: Float32Array, offset: number, cols: number): number {
  let best = 0;
  let bv = a[offset]!;
  for (let j = 1; j < cols; j++) if (a[offset + j]! > bv) { bv = a[offset + j]!; best = j; }
  return best;
}

/** Scratch buffers for evaluation, reused across calls. */
export class Evaluator {
  private x: Float32Array;
  private y: Float32Array;
  private order: Int32Array = new Int32Array(0);
  constructor(private readonly net: Network, private readonly classes: number) {
    this.x = net.kernels.alloc(EVAL_BATCH * sizeOf(net.inputShape));
    this.y = net.kernels.alloc(EVAL_BATCH * classes);
  }

  /**
   * Cost and accuracy of the network on a set (test-time forward: no dropout).
   * `onPredictions(start, count, outputs)` may inspect each batch's outputs.
   */
  evaluate(set: ExampleSet, wantCost = true, onPredictions?: (start: number, count: number, out: Float32Array) => void): Evaluation {
    const net = this.net;
    if (this.order.length < set.count) this.order = Int32Array.from({ length: set.count }, (_, i) => i);
    let correct = 0;
    let cost = 0;
    const cols = net.outputSize;
    for (let s = 0; s < set.count; s += EVAL_BATCH) {
      const m = Math.min(EVAL_BATCH, set.count - s);
      fillBatch(set, this.order, s, m, this.x, this.y, this.classes);
      const out = net.forward(this.x, m, false);
      if (wantCost) cost += net.cost.value(out, this.y, m, cols);
      for (let r = 0; r < m; r++) if (argmax(out, r * cols, cols) === set.labels[s + r]) correct++;
      onPredictions?.(s, m, out);
    }
    return { cost: set.count ? cost / set.count : NaN, accuracy: set.count ? correct / set.count : NaN, correct, count: set.count };
  }

  /**
   * The network's outputs ([count × classes], row-major) on each of `views` (the same examples,
   * each view moved or changed alike: test-time augmentation), and their mean, the answer the
   * network gives with the views. `first` is the outputs on views[0] alone; with one view,
   * `mean` is `first`.
   */
  viewOutputs(views: readonly ExampleSet[]): { mean: Float32Array; first: Float32Array } {
    const count = views[0]!.count;
    const k = this.classes;
    const outputs = views.map((set) => {
      const out = new Float32Array(count * k);
      this.evaluate(set, false, (start, m, o) => out.set(o.subarray(0, m * k), start * k));
      return out;
    });
    const first = outputs[0]!;
    if (outputs.length === 1) return { mean: first, first };
    const mean = new Float32Array(count * k);
    for (const out of outputs) for (let i = 0; i < mean.length; i++) mean[i]! += out[i]! / outputs.length;
    return { mean, first };
  }
}
