import type { Rng } from '../../core/rng.js';
import type { WarpMap } from './warp.js';

/**
 * One random distortion of a pipeline. It does not touch pixels: it draws its random parameters
 * from the `Rng` it is given and composes its inverse map onto a `WarpMap`; the pipeline then
 * resamples each image once through the composed map (see `warp`).
 */
export interface Augmentation {
  /** The spec name: `shift`, `rotate`, ... */
  readonly name: string;
  /** Probability that this step is applied to an image the pipeline distorts (the spec's `@P`). */
  readonly probability: number;
  /** Draw this step's random parameters and compose them onto `map`. */
  draw(rng: Rng, map: WarpMap): void;
  /** The spec token that builds this step again, e.g. `rotate:15@0.5`. */
  toString(): string;
}

/** `name:arg1:arg2@p` with the `@p` left out when p = 1. */
export function specToken(name: string, args: readonly number[], probability: number): string {
  return [name, ...args.map(String)].join(':') + (probability < 1 ? `@${probability}` : '');
}

/** Uniform in [−m, m]. */
export function symmetric(rng: Rng, m: number): number {
  return (2 * rng.uniform() - 1) * m;
}
