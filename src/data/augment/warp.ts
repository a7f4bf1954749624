import type { Shape } from '../../core/shape.js';

/** An image's dimensions: `channels × height × width`, stored channel by channel, row by row. */
export interface ImageDims {
  readonly c: number;
  readonly h: number;
  readonly w: number;
}

/**
 * The dimensions of an example shape: `[c, h, w]` is an image; `[n]` or `[1, n]` with n a perfect
 * square (784 = 28²) is read as one square channel, so flattened MNIST vectors work too.
 * Returns null for shapes that are not images.
 */
export function imageDims(shape: Shape): ImageDims | null {
  if (shape.length === 3) return { c: shape[0]!, h: shape[1]!, w: shape[2]! };
  if (shape.length === 2) return { c: 1, h: shape[0]!, w: shape[1]! };
  if (shape.length === 1) {
    const s = Math.round(Math.sqrt(shape[0]!));
    if (s * s === shape[0]) return { c: 1, h: s, w: s };
  }
  return null;
}

/**
 * The inverse map of a distortion: for each output pixel p = (x, y), the point of the source image
 * that it shows,
 *
 *     q = p + α·d(p)                     (the elastic field, when there is one)
 *     src = A·(q − centre) + centre + t  (the affine part)
 *
 * with centre = ((w−1)/2, (h−1)/2). The distortions of a pipeline are composed into one such map
 * so that each image is resampled once (bilinear interpolation blurs a little every time).
 * `affine` holds [a, b, tx, c, d, ty]: srcX = a·u + b·v + tx + cx, srcY = c·u + d·v + ty + cy.
 */
export class WarpMap {
  readonly affine = new Float64Array(6);
  /** Horizontal and vertical displacement of each output pixel (already scaled by α). */
  readonly fieldX: Float32Array;
  readonly fieldY: Float32Array;
  hasField = false;

  constructor(readonly dims: ImageDims) {
    this.fieldX = new Float32Array(dims.h * dims.w);
    this.fieldY = new Float32Array(dims.h * dims.w);
    this.reset();
  }

  /** Back to the identity. */
  reset(): void {
    const m = this.affine;
    m[0] = 1; m[1] = 0; m[2] = 0;
    m[3] = 0; m[4] = 1; m[5] = 0;
    this.hasField = false;
  }

  /** True when the map moves nothing. */
  isIdentity(): boolean {
    const m = this.affine;
    return !this.hasField && m[0] === 1 && m[1] === 0 && m[2] === 0 && m[3] === 0 && m[4] === 1 && m[5] === 0;
  }

  /**
   * Compose an affine inverse map after the current one: the current map M becomes M·N, so that
   * a source point is M(N(p)) — N's forward transform is applied to the image after M's.
   */
  then(a: number, b: number, tx: number, c: number, d: number, ty: number): void {
    const m = this.affine;
    const [ma, mb, mtx, mc, md, mty] = [m[0]!, m[1]!, m[2]!, m[3]!, m[4]!, m[5]!];
    m[0] = ma * a + mb * c;
    m[1] = ma * b + mb * d;
    m[2] = ma * tx + mb * ty + mtx;
    m[3] = mc * a + md * c;
    m[4] = mc * b + md * d;
    m[5] = mc * tx + md * ty + mty;
  }
}

/**
 * Resample `src` through `map` into `dst` (both one image of `map.dims`, values in [0, 1]) with
 * bilinear interpolation; points outside the source read as 0, the background of a digit.
 * At integer source coordinates the result is exactly the source pixel, so the identity map and
 * whole-pixel shifts copy values unchanged. `srcOff` / `dstOff` are offsets in floats.
 */
export function warp(src: ArrayLike<number>, srcOff: number, dst: Float32Array, dstOff: number, map: WarpMap, srcScale = 1): void {
  const { c: channels, h, w } = map.dims;
  const m = map.affine;
  const a = m[0]!, b = m[1]!, tx = m[2]!, c = m[3]!, d = m[4]!, ty = m[5]!;
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const fx = map.fieldX;
  const fy = map.fieldY;
  const field = map.hasField;
  const plane = h * w;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      // q = p + α·d(p), then src = A·(q − centre) + centre + t
      const u = (field ? x + fx[i]! : x) - cx;
      const v = (field ? y + fy[i]! : y) - cy;
      const sx = a * u + b * v + tx + cx;
      const sy = c * u + d * v + ty + cy;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const ax = sx - x0;
      const ay = sy - y0;
      const inX0 = x0 >= 0 && x0 < w;
      const inX1 = x0 + 1 >= 0 && x0 + 1 < w && ax !== 0;
      const inY0 = y0 >= 0 && y0 < h;
      const inY1 = y0 + 1 >= 0 && y0 + 1 < h && ay !== 0;
      for (let ch = 0; ch < channels; ch++) {
        const base = srcOff + ch * plane;
        let v00 = 0, v01 = 0, v10 = 0, v11 = 0;
        if (inY0) {
          const r = base + y0 * w + x0;
          if (inX0) v00 = src[r]!;
          if (inX1) v01 = src[r + 1]!;
        }
        if (inY1) {
          const r = base + (y0 + 1) * w + x0;
          if (inX0) v10 = src[r]!;
          if (inX1) v11 = src[r + 1]!;
        }
        // bilinear: (1−ay)·((1−ax)·v00 + ax·v01) + ay·((1−ax)·v10 + ax·v11)
        const top = v00 + ax * (v01 - v00);
        const bottom = v10 + ax * (v11 - v10);
        dst[dstOff + ch * plane + i] = (top + ay * (bottom - top)) * srcScale;
      }
    }
  }
}
