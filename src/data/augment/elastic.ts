import type { Rng } from '../../core/rng.js';
import { specToken, type Augmentation } from './augmentation.js';
import type { ImageDims, WarpMap } from './warp.js';

/**
 * Elastic distortions as Simard, Steinkraus & Platt describe them ("Best Practices for
 * Convolutional Neural Networks Applied to Visual Document Analysis", ICDAR 2003, §2):
 *
 *   1. random displacement fields Δx(x, y) = rand(−1, +1) and Δy(x, y) = rand(−1, +1), uniform;
 *   2. each convolved with a Gaussian of standard deviation σ pixels (σ is the "elasticity": a
 *      small σ gives a field that is still random, a large one an almost constant shift);
 *   3. multiplied by a scaling factor α that sets the intensity of the deformation;
 *   4. each output pixel takes the (bilinearly interpolated) source value at its displaced
 *      position, outside the image the background value 0.
 *
 * For MNIST they report σ = 4 and α = 34 (on images padded to 29×29); these are the defaults.
 * The Gaussian kernel here is normalized to sum 1 and truncated at 4σ, and the field is taken as 0
 * outside the image when it is smoothed.
 */
export class Elastic implements Augmentation {
  readonly name = 'elastic';
  private readonly kernel: Float64Array;
  private readonly radius: number;
  private readonly rawX: Float32Array;
  private readonly rawY: Float32Array;
  private readonly tmp: Float32Array;

  constructor(readonly alpha: number, readonly sigma: number, readonly dims: ImageDims, readonly probability = 1) {
    if (!(sigma > 0)) throw new RangeError(`elastic: σ must be > 0, got ${sigma}`);
    this.radius = Math.max(1, Math.ceil(4 * sigma));
    this.kernel = gaussianKernel(sigma, this.radius);
    const n = dims.h * dims.w;
    this.rawX = new Float32Array(n);
    this.rawY = new Float32Array(n);
    this.tmp = new Float32Array(n);
  }

  draw(rng: Rng, map: WarpMap): void {
    const { rawX, rawY } = this;
    const n = rawX.length;
    // Δx, Δy = rand(−1, +1), uniform
    for (let i = 0; i < n; i++) rawX[i] = 2 * rng.uniform() - 1;
    for (let i = 0; i < n; i++) rawY[i] = 2 * rng.uniform() - 1;
    this.smooth(rawX);
    this.smooth(rawY);
    // the field, scaled by α, is added to whatever field the map already holds
    const fx = map.fieldX;
    const fy = map.fieldY;
    const add = map.hasField;
    for (let i = 0; i < n; i++) {
      fx[i] = (add ? fx[i]! : 0) + this.alpha * rawX[i]!;
      fy[i] = (add ? fy[i]! : 0) + this.alpha * rawY[i]!;
    }
    map.hasField = true;
  }

  /** Convolve a field in place with the Gaussian: rows, then columns (the kernel is separable). */
  private smooth(f: Float32Array): void {
    const { h, w } = this.dims;
    const k = this.kernel;
    const r = this.radius;
    const t = this.tmp;
    for (let y = 0; y < h; y++) {
      const row = y * w;
      for (let x = 0; x < w; x++) {
        let s = 0;
        const lo = Math.max(-r, -x);
        const hi = Math.min(r, w - 1 - x);
        for (let j = lo; j <= hi; j++) s += k[j + r]! * f[row + x + j]!;
        t[row + x] = s;
      }
    }
    for (let y = 0; y < h; y++) {
      const lo = Math.max(-r, -y);
      const hi = Math.min(r, h - 1 - y);
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let j = lo; j <= hi; j++) s += k[j + r]! * t[(y + j) * w + x]!;
        f[y * w + x] = s;
      }
    }
  }

  toString(): string {
    return specToken(this.name, [this.alpha, this.sigma], this.probability);
  }
}

/** G(j) = exp(−j² / 2σ²) for j = −radius..radius, normalized to sum 1. */
export function gaussianKernel(sigma: number, radius: number): Float64Array {
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let j = -radius; j <= radius; j++) {
    const v = Math.exp(-(j * j) / (2 * sigma * sigma));
    k[j + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] = k[i]! / sum;
  return k;
}
