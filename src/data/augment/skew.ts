import type { Rng } from '../../core/rng.js';
import { specToken, symmetric, type Augmentation } from './augmentation.js';
import type { WarpMap } from './warp.js';

/**
 * Compose a horizontal shear (skew, the slant of handwriting) onto `map`: a pixel at offset
 * (u, v) from the centre moves to (u + s·v, v), so rows below the centre move right when s > 0.
 * The inverse samples src = (u − s·v, v).
 */
export function composeSkew(map: WarpMap, s: number): void {
  map.then(1, -s, 0, 0, 1, 0);
}

/** `skew:S`: a horizontal shear with factor s uniform in [−S, S] (0.3 ≈ ±17° of slant). */
export class Skew implements Augmentation {
  readonly name = 'skew';
  constructor(readonly max: number, readonly probability = 1) {}
  draw(rng: Rng, map: WarpMap): void {
    composeSkew(map, symmetric(rng, this.max));
  }
  toString(): string {
    return specToken(this.name, [this.max], this.probability);
  }
}
