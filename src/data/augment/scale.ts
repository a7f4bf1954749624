import type { Rng } from '../../core/rng.js';
import { specToken, symmetric, type Augmentation } from './augmentation.js';
import type { WarpMap } from './warp.js';

/**
 * Compose a scaling by factor k about the image centre onto `map` (k > 1 enlarges): a pixel at
 * offset (u, v) moves to (k·u, k·v); the inverse samples src = (u/k, v/k).
 */
export function composeScale(map: WarpMap, k: number): void {
  if (!(k > 0)) throw new RangeError(`composeScale: the factor must be > 0, got ${k}`);
  map.then(1 / k, 0, 0, 0, 1 / k, 0);
}

/** `scale:D`: a scaling by a factor uniform in [1 − D, 1 + D], the same in both directions. */
export class Scale implements Augmentation {
  readonly name = 'scale';
  constructor(readonly max: number, readonly probability = 1) {}
  draw(rng: Rng, map: WarpMap): void {
    composeScale(map, 1 + symmetric(rng, this.max));
  }
  toString(): string {
    return specToken(this.name, [this.max], this.probability);
  }
}
