import type { Rng } from '../../core/rng.js';
import { sizeOf } from '../../core/shape.js';
import type { ExampleSet } from '../dataset.js';
import type { AugmentPipeline } from './pipeline.js';
import { BOOK_SHIFTS, shiftExact } from './shift.js';
import { imageDims } from './warp.js';
import { NnlabError } from '../../core/errors.js';

/** How to expand a training set. */
export type ExpandMode =
  /** The book's `expand_mnist.py`: each image, then its four one-pixel shifts (down, up, right, left). */
  | { kind: 'shifts' }
  /** Each image, then `copies` distorted copies drawn from `pipeline` with `rng`, image by image. */
  | { kind: 'distort'; pipeline: AugmentPipeline; copies: number; rng: Rng };

/** How many images each original becomes. */
export function expansionFactor(mode: ExpandMode): number {
  return mode.kind === 'shifts' ? 1 + BOOK_SHIFTS.length : 1 + mode.copies;
}

/**
 * Materialize an expanded training set: each example of `train` followed by its copies (see
 * `ExpandMode`), then — if `shuffle` is given, as `expand_mnist.py` does with `random.shuffle` —
 * the whole set shuffled. Bytes stay bytes (distorted copies rounded to 0..255); the labels follow.
 */
export function expandExamples(train: ExampleSet, mode: ExpandMode, shuffle: Rng | null): ExampleSet {
  const dims = imageDims(train.shape);
  if (!dims) throw new NnlabError(`expand: the examples have shape ${train.shape.join('x')}, not images`);
  const size = sizeOf(train.shape);
  const k = expansionFactor(mode);
  const count = train.count * k;
  const bytes = train.pixels instanceof Uint8Array;
  const px = train.pixels;
  const out = bytes ? new Uint8Array(count * size) : new Float32Array(count * size);
  const labels = new Uint8Array(count);
  const scratch = new Float32Array(size);
  const scale = bytes ? 1 / 255 : 1;
  for (let e = 0; e < train.count; e++) {
    const base = e * k;
    out.set(px.subarray(e * size, (e + 1) * size), base * size);
    labels.fill(train.labels[e]!, base, base + k);
    for (let j = 1; j < k; j++) {
      const dst = (base + j) * size;
      if (mode.kind === 'shifts') {
        const [dx, dy] = BOOK_SHIFTS[j - 1]!;
        if (bytes) shiftExact(px as Uint8Array, e * size, out as Uint8Array, dst, dims, dx, dy);
        else shiftExact(px as Float32Array, e * size, out as Float32Array, dst, dims, dx, dy);
      } else if (out instanceof Float32Array) mode.pipeline.apply(px, e * size, scale, out, dst, mode.rng);
      else {
        mode.pipeline.apply(px, e * size, scale, scratch, 0, mode.rng);
        for (let i = 0; i < size; i++) {
          const v = Math.round(scratch[i]! * 255);
          out[dst + i] = v < 0 ? 0 : v > 255 ? 255 : v;
        }
      }
    }
  }
  if (shuffle) {
    const order = Int32Array.from({ length: count }, (_, i) => i);
    shuffle.shuffle(order);
    const pix = bytes ? new Uint8Array(count * size) : new Float32Array(count * size);
    const lab = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const j = order[i]!;
      pix.set(out.subarray(j * size, (j + 1) * size), i * size);
      lab[i] = labels[j]!;
    }
    return { pixels: pix, labels: lab, count, shape: train.shape };
  }
  return { pixels: out, labels, count, shape: train.shape };
}
