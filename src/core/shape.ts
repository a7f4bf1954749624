/** A per-example tensor shape: [n] for a vector, [channels, height, width] for an image. */
export type Shape = readonly number[];

/** Number of floats in one example of this shape. */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeToString(shape: Shape): string {
  return shape.join('x');
}
