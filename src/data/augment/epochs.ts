import { Rng } from '../../core/rng.js';
import type { ExampleSet } from '../dataset.js';
import type { AugmentPipeline } from './pipeline.js';

/**
 * Where the trainer takes each epoch's training examples from. `epoch(e)` gives a set with the
 * same count, shape and labels (in the same order) as the training set, its pixels freshly
 * distorted for epoch e (1-based). The trainer still shuffles and batches it as usual.
 */
export interface EpochSource {
  epoch(epoch: number): ExampleSet | Promise<ExampleSet>;
  /** Release threads or memory (the CLI calls it when training ends). */
  close?(): void | Promise<void>;
}

/**
 * The seed of a run's augmentation stream, derived from the run's seed so that the trainer's other
 * streams (initialization, shuffling) stay as they are with augmentation off.
 */
export function augmentSeed(runSeed: number): number {
  return new Rng((runSeed ^ 0x5eed_a11d) >>> 0).nextUint32();
}

/**
 * The generator for epoch `epoch`'s distortions: a pure function of (seed, epoch), so an epoch's
 * images are the same whichever thread makes them and whenever it does.
 */
export function epochRng(seed: number, epoch: number): Rng {
  return new Rng((seed ^ Math.imul(epoch, 0x9e3779b1)) >>> 0);
}

/**
 * Distort examples [from, to) of `src` into `out` (same layout as `src.pixels`), drawing from
 * `rng` in example order. Bytes are written rounded to the nearest of 0..255 (as an expanded IDX
 * file stores them), floats as they are. `scratch` holds one image (bytes only).
 */
export function distortExamples(
  src: ExampleSet,
  pipeline: AugmentPipeline,
  rng: Rng,
  out: Uint8Array | Float32Array,
  from: number,
  to: number,
  scratch: Float32Array,
): void {
  const size = pipeline.size;
  const px = src.pixels;
  const bytesIn = px instanceof Uint8Array;
  const scale = bytesIn ? 1 / 255 : 1;
  for (let e = from; e < to; e++) {
    const off = e * size;
    if (out instanceof Float32Array) pipeline.apply(px, off, scale, out, off, rng);
    else {
      pipeline.apply(px, off, scale, scratch, 0, rng);
      for (let i = 0; i < size; i++) {
        const v = Math.round(scratch[i]! * 255);
        out[off + i] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
}

/** A buffer of the same kind as `src.pixels` (bytes stay bytes), optionally on a given buffer. */
export function pixelsLike(src: ExampleSet, buffer?: ArrayBufferLike): Uint8Array | Float32Array {
  const n = src.pixels.length;
  if (src.pixels instanceof Uint8Array) return buffer ? new Uint8Array(buffer, 0, n) : new Uint8Array(n);
  return buffer ? new Float32Array(buffer, 0, n) : new Float32Array(n);
}

/**
 * On-the-fly augmentation on the training thread: each epoch, every training example is distorted
 * afresh (epoch e uses `epochRng(seed, e)`) into one reused buffer. `WorkerEpochSource` (Node)
 * produces the same images in a worker thread while the previous epoch trains.
 */
export class AugmentedEpochs implements EpochSource {
  private readonly out: Uint8Array | Float32Array;
  private readonly scratch: Float32Array;
  private readonly set: ExampleSet;

  constructor(readonly train: ExampleSet, readonly pipeline: AugmentPipeline, readonly seed: number) {
    this.out = pixelsLike(train);
    this.scratch = new Float32Array(pipeline.size);
    this.set = { pixels: this.out, labels: train.labels, count: train.count, shape: train.shape };
  }

  epoch(epoch: number): ExampleSet {
    distortExamples(this.train, this.pipeline, epochRng(this.seed, epoch), this.out, 0, this.train.count, this.scratch);
    return this.set;
  }
}
