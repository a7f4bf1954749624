import { DataError, NnlabError } from '../../core/errors.js';
import { sizeOf } from '../../core/shape.js';
import type { ExampleSet } from '../dataset.js';
import { BOOK_SHIFTS, shiftExact } from './shift.js';
import { imageDims } from './warp.js';

/**
 * Test-time augmentation: a network is shown each test image several times, as it is and moved by
 * whole pixels, and its outputs over these views are averaged before it answers. A network trained
 * on shifted and distorted images has learned that such moves do not change the digit, so a
 * mistake on one view may be outvoted by the others (Simonyan & Zisserman 2015, sec. 3.2, average
 * a network's outputs over crops and flips; Krizhevsky et al. 2012 over ten crops). On MNIST it
 * changed nnlab's distorted-data networks by a few images either way (docs/convolution.md).
 *
 * A view is a translation (dx, dy): dx pixels to the right, dy down, the vacated border zero.
 */
export type View = readonly [dx: number, dy: number];

/** The views of each `--tta` name; the first is always the image itself. */
export const TTA_VIEWS: Readonly<Record<string, readonly View[]>> = {
  none: [[0, 0]],
  /** The image and the book's four one-pixel shifts (down, up, right, left). */
  shift4: [[0, 0], ...BOOK_SHIFTS],
  /** The image and all eight one-pixel moves (the four above and the four diagonals). */
  shift8: [[0, 0], ...BOOK_SHIFTS, [1, 1], [1, -1], [-1, 1], [-1, -1]],
};

/** The views named by `name` (`none`, `shift4`, `shift8`), or an error listing the names. */
export function ttaViews(name: string): readonly View[] {
  const v = Object.hasOwn(TTA_VIEWS, name) ? TTA_VIEWS[name] : undefined;
  if (!v) throw new NnlabError(`--tta: expected one of ${Object.keys(TTA_VIEWS).join(', ')}, got "${name}"`);
  return v;
}

/**
 * A copy of `set` with every image moved by the view's (dx, dy) whole pixels (exact: no
 * interpolation, so bytes stay bytes). The identity view returns `set` itself, uncopied.
 * `source` names the data in the error for examples that are not images.
 */
export function viewOf(set: ExampleSet, view: View, source: string): ExampleSet {
  const [dx, dy] = view;
  if (dx === 0 && dy === 0) return set;
  const dims = imageDims(set.shape);
  if (!dims) throw new DataError(source, `test-time shifts need images, the examples have shape ${set.shape.join('x')}`);
  const size = sizeOf(set.shape);
  const pixels = set.pixels instanceof Uint8Array ? new Uint8Array(set.pixels.length) : new Float32Array(set.pixels.length);
  for (let i = 0; i < set.count; i++) shiftExact(set.pixels, i * size, pixels, i * size, dims, dx, dy);
  return { pixels, labels: set.labels, count: set.count, shape: set.shape };
}
