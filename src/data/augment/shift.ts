import type { Rng } from '../../core/rng.js';
import { specToken, symmetric, type Augmentation } from './augmentation.js';
import type { ImageDims, WarpMap } from './warp.js';

/**
 * Compose a translation by (dx, dy) pixels (x to the right, y down) onto `map`: the output pixel p
 * shows the source pixel p − (dx, dy). Whole-pixel shifts resample exactly (bilinear weights 0/1).
 */
export function composeShift(map: WarpMap, dx: number, dy: number): void {
  map.then(1, 0, -dx, 0, 1, -dy);
}

/**
 * `shift:M`: a random translation, dx and dy each uniform in [−M, M] pixels (sub-pixel amounts,
 * bilinear interpolation). `ishift:M`: the same with whole pixels, dx and dy uniform integers in
 * −M..M, so that no interpolation happens.
 */
export class Shift implements Augmentation {
  readonly name: string;
  constructor(readonly max: number, readonly integer: boolean, readonly probability = 1) {
    this.name = integer ? 'ishift' : 'shift';
  }
  draw(rng: Rng, map: WarpMap): void {
    if (this.integer) {
      const n = 2 * Math.floor(this.max) + 1;
      const dx = rng.int(n) - Math.floor(this.max);
      const dy = rng.int(n) - Math.floor(this.max);
      composeShift(map, dx, dy);
    } else composeShift(map, symmetric(rng, this.max), symmetric(rng, this.max));
  }
  toString(): string {
    return specToken(this.name, [this.max], this.probability);
  }
}

/**
 * The book's four one-pixel displacements, in the order of Nielsen's `expand_mnist.py`: down, up,
 * right, left ((dx, dy) with y down). Each original image plus these four copies gives the 250,000
 * images of chapter 6's "expanded" training set.
 */
export const BOOK_SHIFTS: readonly (readonly [dx: number, dy: number])[] = [
  [0, 1],
  [0, -1],
  [1, 0],
  [-1, 0],
];

/**
 * Copy an image shifted by whole pixels (dx right, dy down), the vacated rows and columns set to
 * zero, as `expand_mnist.py` does with `np.roll` followed by zeroing the row or column that wrapped
 * around. Works on bytes or floats without converting, so shifted MNIST bytes stay exact.
 */
export function shiftExact<T extends Uint8Array | Float32Array>(src: T, srcOff: number, dst: T, dstOff: number, dims: ImageDims, dx: number, dy: number): void {
  const { c, h, w } = dims;
  if (!Number.isInteger(dx) || !Number.isInteger(dy)) throw new RangeError(`shiftExact: whole pixels only, got (${dx}, ${dy})`);
  const plane = h * w;
  dst.fill(0, dstOff, dstOff + c * plane);
  const x0 = Math.max(0, dx);
  const x1 = Math.min(w, w + dx);
  if (x1 <= x0) return;
  for (let ch = 0; ch < c; ch++) {
    for (let y = Math.max(0, dy); y < Math.min(h, h + dy); y++) {
      const from = srcOff + ch * plane + (y - dy) * w + (x0 - dx);
      dst.set(src.subarray(from, from + (x1 - x0)), dstOff + ch * plane + y * w + x0);
    }
  }
}

/**
 * `book-shift`: the on-the-fly version of the book's expanded set: each time, one of the five
 * images of `expand_mnist.py` (the original or one of the four one-pixel shifts), uniformly.
 */
export class BookShift implements Augmentation {
  readonly name = 'book-shift';
  constructor(readonly probability = 1) {}
  draw(rng: Rng, map: WarpMap): void {
    const k = rng.int(BOOK_SHIFTS.length + 1);
    if (k === 0) return;
    const [dx, dy] = BOOK_SHIFTS[k - 1]!;
    composeShift(map, dx, dy);
  }
  toString(): string {
    return specToken(this.name, [], this.probability);
  }
}
