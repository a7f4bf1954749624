/**
 * A small synthetic data set for training tests that must be quick and still learn something:
 * 8×8 byte images of 4 classes, each a bright vertical bar in a class-dependent quadrant over noise.
 * (Kept out of the `*.test.ts` files so that the test runner does not count it as a test file.)
 */
import { Rng } from '../../src/core/rng.js';
import type { ExampleSet, Splits } from '../../src/data/dataset.js';

export function barImages(count: number, seed: number): ExampleSet {
  const rng = new Rng(seed);
  const pixels = new Uint8Array(count * 64);
  const labels = new Uint8Array(count);
  for (let e = 0; e < count; e++) {
    const c = rng.int(4);
    labels[e] = c;
    for (let i = 0; i < 64; i++) pixels[e * 64 + i] = rng.int(60);
    const oy = c < 2 ? 1 : 5, ox = c % 2 === 0 ? 1 : 5;
    for (let d = 0; d < 3; d++) pixels[e * 64 + (oy + d) * 8 + ox + rng.int(2)] = 200 + rng.int(56);
  }
  return { pixels, labels, count, shape: [1, 8, 8] };
}

/** 300 training, 100 validation and 100 test images (seeds 1, 2, 3). */
export function barSplits(): Splits {
  return { train: barImages(300, 1), validation: barImages(100, 2), test: barImages(100, 3), classes: 4 };
}
