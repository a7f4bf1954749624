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
 * The Gaussian kernel here is normalized to sum 1 and truncated at 3σ (the tails hold 0.3 % of its
 * weight), and the field is taken as 0 outside the image when it is smoothed. The uniform values
 * are drawn 16 bits at a time, two from each 32-bit number of the generator (a resolution of 2⁻¹⁵,
 * far finer than the smoothing can show), which halves the cost of drawing them.
 */
export class Elastic implements Augmentation {
  readonly name = 'elastic';
  private readonly kernel: Float32Array;
  private readonly radius: number;
  /** The raw fields, zero-padded by `radius` on every side (the padding stays 0). */
  private readonly padX: Float32Array;
  private readonly padY: Float32Array;
  /** After the horizontal pass: (h + 2·radius) rows of w, the top and bottom rows 0. */
  private readonly tmp: Float32Array;

  constructor(readonly alpha: number, readonly sigma: number, readonly dims: ImageDims, readonly probability = 1) {
    if (!(sigma > 0)) throw new RangeError(`elastic: σ must be > 0, got ${sigma}`);
    const r = (this.radius = Math.max(1, Math.ceil(3 * sigma)));
    this.kernel = Float32Array.from(gaussianKernel(sigma, r));
    const { h, w } = dims;
    this.padX = new Float32Array((h + 2 * r) * (w + 2 * r));
    this.padY = new Float32Array((h + 2 * r) * (w + 2 * r));
    this.tmp = new Float32Array((h + 2 * r) * w);
  }

  draw(rng: Rng, map: WarpMap): void {
    const { h, w } = this.dims;
    const r = this.radius;
    const W = w + 2 * r;
    const { padX, padY } = this;
    // Δx, Δy = rand(−1, +1), uniform: (k + ½)/2¹⁵ − 1 for k a uniform 16-bit integer
    for (let y = 0; y < h; y++) {
      const row = (y + r) * W + r;
      for (let x = 0; x < w; x++) {
        const u = rng.nextUint32();
        padX[row + x] = ((u >>> 16) + 0.5) * HALF16 - 1;
        padY[row + x] = ((u & 0xffff) + 0.5) * HALF16 - 1;
      }
    }
    // the fields convolved with the Gaussian, scaled by α, added to any field the map holds
    const add = map.hasField;
    this.smooth(padX, map.fieldX, add);
    this.smooth(padY, map.fieldY, add);
    map.hasField = true;
  }

  /**
   * out (+)= α · (G ∗ field): the separable Gaussian, rows then columns, over the zero-padded field
   * (no bounds checks in the inner loops), folding the symmetric kernel: k₀·f(c) + Σⱼ kⱼ·(f(c−j) + f(c+j)).
   * Four outputs a loop, each summed in the same order as one at a time (the same doubles): the
   * kernel's weights are read once for the four (the smoothing was two thirds of an epoch's
   * distortion time with σ = 6).
   */
  private smooth(pad: Float32Array, out: Float32Array, add: boolean): void {
    const { h, w } = this.dims;
    const r = this.radius;
    const W = w + 2 * r;
    const k = this.kernel;
    const k0 = k[r]!;
    const t = this.tmp;
    const w4 = w - (w % 4);
    for (let y = 0; y < h; y++) {
      const src = (y + r) * W + r;
      const dst = (y + r) * w;
      let x = 0;
      for (; x < w4; x += 4) {
        const c = src + x;
        let s0 = k0 * pad[c]!, s1 = k0 * pad[c + 1]!, s2 = k0 * pad[c + 2]!, s3 = k0 * pad[c + 3]!;
        for (let j = 1; j <= r; j++) {
          const kj = k[r + j]!;
          s0 += kj * (pad[c - j]! + pad[c + j]!);
          s1 += kj * (pad[c + 1 - j]! + pad[c + 1 + j]!);
          s2 += kj * (pad[c + 2 - j]! + pad[c + 2 + j]!);
          s3 += kj * (pad[c + 3 - j]! + pad[c + 3 + j]!);
        }
        t[dst + x] = s0;
        t[dst + x + 1] = s1;
        t[dst + x + 2] = s2;
        t[dst + x + 3] = s3;
      }
      for (; x < w; x++) {
        const c = src + x;
        let s = k0 * pad[c]!;
        for (let j = 1; j <= r; j++) s += k[r + j]! * (pad[c - j]! + pad[c + j]!);
        t[dst + x] = s;
      }
    }
    const alpha = this.alpha;
    for (let y = 0; y < h; y++) {
      const c0 = (y + r) * w;
      const row = y * w;
      let x = 0;
      for (; x < w4; x += 4) {
        const c = c0 + x;
        let s0 = k0 * t[c]!, s1 = k0 * t[c + 1]!, s2 = k0 * t[c + 2]!, s3 = k0 * t[c + 3]!;
        for (let j = 1; j <= r; j++) {
          const kj = k[r + j]!;
          const up = c - j * w, down = c + j * w;
          s0 += kj * (t[up]! + t[down]!);
          s1 += kj * (t[up + 1]! + t[down + 1]!);
          s2 += kj * (t[up + 2]! + t[down + 2]!);
          s3 += kj * (t[up + 3]! + t[down + 3]!);
        }
        if (add) {
          out[row + x] = out[row + x]! + alpha * s0;
          out[row + x + 1] = out[row + x + 1]! + alpha * s1;
          out[row + x + 2] = out[row + x + 2]! + alpha * s2;
          out[row + x + 3] = out[row + x + 3]! + alpha * s3;
        } else {
          out[row + x] = alpha * s0;
          out[row + x + 1] = alpha * s1;
          out[row + x + 2] = alpha * s2;
          out[row + x + 3] = alpha * s3;
        }
      }
      for (; x < w; x++) {
        const c = c0 + x;
        let s = k0 * t[c]!;
        for (let j = 1; j <= r; j++) s += k[r + j]! * (t[c - j * w]! + t[c + j * w]!);
        out[row + x] = add ? out[row + x]! + alpha * s : alpha * s;
      }
    }
  }

  toString(): string {
    return specToken(this.name, [this.alpha, this.sigma], this.probability);
  }
}

/** 2⁻¹⁵: maps a 16-bit integer k to (k + ½)·2⁻¹⁵ − 1 ∈ (−1, 1). */
const HALF16 = 1 / 32768;

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
