import { DataError } from '../core/errors.js';
import type { Shape } from '../core/shape.js';
import { sizeOf } from '../core/shape.js';
import type { IdxArray } from './idx.js';
import type { Kernels } from '../kernels/kernels.js';

/**
 * A set of labelled examples, kept compact: bytes (0–255, scaled to [0, 1] when a batch is
 * made) or floats. Subsets share memory with the set they come from.
 */
export interface ExampleSet {
  readonly pixels: Uint8Array | Float32Array;
  readonly labels: Uint8Array;
  readonly count: number;
  /** Per-example shape: [channels, height, width] for images, [d] for vectors. */
  readonly shape: Shape;
}

/** The book's three sets. */
export interface Splits {
  readonly train: ExampleSet;
  readonly validation: ExampleSet;
  readonly test: ExampleSet;
  readonly classes: number;
}

/** Pair an images IDX array with a labels IDX array, checking that they agree. */
export function exampleSet(images: IdxArray, labels: IdxArray, imagesFile: string, labelsFile: string): ExampleSet {
  if (labels.dims.length !== 1) throw new DataError(labelsFile, `labels must be 1-dimensional, got dimensions ${labels.dims.join('x')}`);
  if (labels.type !== 0x08) throw new DataError(labelsFile, 'labels must be unsigned bytes (IDX type 0x08)');
  const n = images.dims[0]!;
  if (labels.dims[0] !== n) throw new DataError(labelsFile, `${labels.dims[0]} labels but ${imagesFile} holds ${n} images`);
  const rest = images.dims.slice(1);
  const shape: Shape = rest.length === 2 ? [1, rest[0]!, rest[1]!] : rest.length === 0 ? [1] : rest;
  if (sizeOf(shape) === 0) throw new DataError(imagesFile, `examples of size 0 (dimensions ${images.dims.join('x')})`);
  return { pixels: images.data, labels: labels.data as Uint8Array, count: n, shape };
}

/** Examples [start, start + count) of a set, without copying. */
export function subset(s: ExampleSet, start: number, count: number): ExampleSet {
  const size = sizeOf(s.shape);
  return {
    pixels: s.pixels.subarray(start * size, (start + count) * size),
    labels: s.labels.subarray(start, start + count),
    count,
    shape: s.shape,
  };
}

export interface SplitOptions {
  /** Use only the first N training images (after the validation images are set aside). */
  trainSize: number | null;
  /** Take this many images from the end of the training file for validation. */
  validationSize: number;
  /** For messages. */
  source: string;
}

/**
 * Split as the book does: the last `validationSize` images of the training file for validation
 * (MNIST: 50,000 train / 10,000 validation), optionally only the first `trainSize` of the rest;
 * the test file untouched. The number of classes is the largest training label + 1.
 */
export function split(trainFile: ExampleSet, testFile: ExampleSet, opts: SplitOptions): Splits {
  const { validationSize, source } = opts;
  if (trainFile.shape.join('x') !== testFile.shape.join('x'))
    throw new DataError(source, `training examples are ${trainFile.shape.join('x')} but test examples are ${testFile.shape.join('x')}`);
  if (validationSize >= trainFile.count)
    throw new DataError(source, `validation size ${validationSize} leaves no training data (the training file holds ${trainFile.count} examples)`);
  const available = trainFile.count - validationSize;
  const trainSize = opts.trainSize ?? available;
  if (trainSize > available)
    throw new DataError(source, `train size ${trainSize} is larger than the ${available} training examples left after ${validationSize} validation examples`);
  let maxLabel = 0;
  for (let i = 0; i < trainFile.count; i++) if (trainFile.labels[i]! > maxLabel) maxLabel = trainFile.labels[i]!;
  const classes = maxLabel + 1;
  // with one class every network scores 100 %: nothing to learn, and a sign of a wrong labels file
  if (classes < 2) throw new DataError(source, `every training label is 0: a classifier needs at least 2 classes (labels 0, 1, ...)`);
  for (let i = 0; i < testFile.count; i++)
    if (testFile.labels[i]! >= classes)
      throw new DataError(source, `test label ${testFile.labels[i]} at index ${i} is out of range: training labels are 0..${maxLabel}`);
  return {
    train: subset(trainFile, 0, trainSize),
    validation: subset(trainFile, available, validationSize),
    test: testFile,
    classes,
  };
}

/**
 * Fill a float mini-batch from examples `order[from .. from+count)`: x row r = the example's
 * pixels (bytes scaled by 1/255), y row r = its one-hot label. Buffers are reused each step.
 * With `kernels`, byte pixels are gathered by `kernels.gatherBytes` (much faster in the wasm backend).
 */
export function fillBatch(s: ExampleSet, order: ArrayLike<number>, from: number, count: number, x: Float32Array, y: Float32Array, classes: number, kernels?: Kernels): void {
  const size = sizeOf(s.shape);
  const px = s.pixels;
  const scale = px instanceof Uint8Array ? 1 / 255 : 1;
  y.fill(0, 0, count * classes);
  if (kernels && px instanceof Uint8Array) {
    // the backend's gather (a memcpy per row and one vectorized conversion in the wasm backend)
    kernels.gatherBytes(px, order, from, count, size, scale, x);
    for (let r = 0; r < count; r++) y[r * classes + s.labels[order[from + r]!]!] = 1;
    return;
  }
  for (let r = 0; r < count; r++) {
    const e = order[from + r]!;
    const src = e * size;
    const dst = r * size;
    for (let i = 0; i < size; i++) x[dst + i] = px[src + i]! * scale;
    y[r * classes + s.labels[e]!] = 1;
  }
}
