import type { Rng } from '../../core/rng.js';
import { specToken, symmetric, type Augmentation } from './augmentation.js';
import type { WarpMap } from './warp.js';

/**
 * Compose a rotation by `degrees` about the image centre onto `map`; positive angles turn the
 * image counter-clockwise as displayed (y pointing down). The forward map of a pixel offset
 * (u, v) from the centre is (u cos θ + v sin θ, −u sin θ + v cos θ); the inverse, used to sample,
 * is its transpose: src = (u cos θ − v sin θ, u sin θ + v cos θ).
 */
export function composeRotation(map: WarpMap, degrees: number): void {
  const t = (degrees * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  map.then(cos, -sin, 0, sin, cos, 0);
}

/** `rotate:D`: a rotation by an angle uniform in [−D, D] degrees. */
export class Rotate implements Augmentation {
  readonly name = 'rotate';
  constructor(readonly maxDegrees: number, readonly probability = 1) {}
  draw(rng: Rng, map: WarpMap): void {
    composeRotation(map, symmetric(rng, this.maxDegrees));
  }
  toString(): string {
    return specToken(this.name, [this.maxDegrees], this.probability);
  }
}
