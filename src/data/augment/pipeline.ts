import { NnlabError } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import type { Shape } from '../../core/shape.js';
import type { Augmentation } from './augmentation.js';
import { Elastic } from './elastic.js';
import { Rotate } from './rotate.js';
import { Scale } from './scale.js';
import { BookShift, Shift } from './shift.js';
import { Skew } from './skew.js';
import { formatAugmentSpec, parseAugmentSpec, type AugmentSpec, type StepSpec } from './spec.js';
import { imageDims, warp, WarpMap, type ImageDims } from './warp.js';

/** Build one step of a spec for images of `dims`. */
export function buildStep(s: StepSpec, dims: ImageDims): Augmentation {
  const [a, b] = s.args;
  switch (s.name) {
    case 'shift':
      return new Shift(a!, false, s.probability);
    case 'ishift':
      return new Shift(a!, true, s.probability);
    case 'book-shift':
      return new BookShift(s.probability);
    case 'rotate':
      return new Rotate(a!, s.probability);
    case 'skew':
      return new Skew(a!, s.probability);
    case 'scale':
      return new Scale(a!, s.probability);
    case 'elastic':
      return new Elastic(a!, b!, dims, s.probability);
  }
}

/**
 * A chain of random distortions applied to images of one size. For each image: with probability
 * `probability` it is distorted, each step then joining with its own probability; the steps'
 * maps are composed (see `WarpMap`) and the image is resampled once, bilinearly. Scratch buffers
 * are allocated once, here; `apply` allocates nothing.
 */
export class AugmentPipeline {
  readonly size: number;
  private readonly map: WarpMap;

  constructor(readonly steps: readonly Augmentation[], readonly probability: number, readonly dims: ImageDims) {
    this.size = dims.c * dims.h * dims.w;
    this.map = new WarpMap(dims);
  }

  /** Parse a spec string and build its pipeline for examples of `shape` (which must be images). */
  static fromSpec(spec: string | AugmentSpec, shape: Shape): AugmentPipeline {
    const s = typeof spec === 'string' ? parseAugmentSpec(spec) : spec;
    const dims = imageDims(shape);
    if (!dims)
      throw new NnlabError(`augment spec ${JSON.stringify(formatAugmentSpec(s))}: distortions need images, but the examples have shape ${shape.join('x')} (expected [channels, height, width], or a square number of inputs)`);
    return new AugmentPipeline(s.steps.map((st) => buildStep(st, dims)), s.probability, dims);
  }

  /** True when the pipeline has no step (it then copies images unchanged). */
  get empty(): boolean {
    return this.steps.length === 0;
  }

  /**
   * Distort one image: read `size` values of `src` at `srcOff` (multiplied by `srcScale`, e.g.
   * 1/255 for bytes), write the distorted image, in [0, 1], to `dst` at `dstOff`.
   */
  apply(src: ArrayLike<number>, srcOff: number, srcScale: number, dst: Float32Array, dstOff: number, rng: Rng): void {
    const map = this.map;
    map.reset();
    if (this.probability >= 1 || rng.uniform() < this.probability)
      for (const step of this.steps) if (step.probability >= 1 || rng.uniform() < step.probability) step.draw(rng, map);
    if (map.isIdentity()) for (let i = 0; i < this.size; i++) dst[dstOff + i] = src[srcOff + i]! * srcScale;
    else warp(src, srcOff, dst, dstOff, map, srcScale);
  }

  toString(): string {
    return [...this.steps.map(String), ...(this.probability < 1 ? [`p=${this.probability}`] : [])].join(',');
  }
}
