/**
 * The IDX reader on good and malformed files. Every error must name the file and the problem.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx, parseIdx } from '../src/data/idx.js';
import { exampleSet, split } from '../src/data/dataset.js';
import { DataError } from '../src/core/errors.js';
import { IDX_FILES, loadSplits, readIdxFile } from '../src/node/data.js';

const root = mkdtempSync(join(tmpdir(), 'nnlab-idx-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirCount = 0;
function newDir(): string {
  const d = join(root, `d${dirCount++}`);
  mkdirSync(d);
  return d;
}

/** Assert that `f` throws a DataError whose message names `file` and matches `problem`. */
function throwsData(f: () => unknown, file: string, problem: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof DataError, `expected a DataError, got ${String(e)}`);
    assert.ok(e.message.includes(file), `message does not name the file ${file}: ${e.message}`);
    assert.match(e.message, problem);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  });
}

/** n images of h×w bytes with a recognisable pattern, and their labels. */
function images(n: number, h = 3, w = 2): Uint8Array {
  return encodeIdx([n, h, w], Uint8Array.from({ length: n * h * w }, (_, i) => (i * 7) % 256));
}
function labels(values: number[]): Uint8Array {
  return encodeIdx([values.length], Uint8Array.from(values));
}

/** A data folder holding the four standard files (optionally gzipped). */
function dataDir(files: Partial<Record<keyof typeof IDX_FILES, Uint8Array>>, gz = false): string {
  const d = newDir();
  const all = {
    trainImages: images(12),
    trainLabels: labels([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]),
    testImages: images(4),
    testLabels: labels([2, 1, 0, 1]),
    ...files,
  };
  for (const [k, bytes] of Object.entries(all)) {
    const name = IDX_FILES[k as keyof typeof IDX_FILES];
    if (gz) writeFileSync(join(d, name + '.gz'), gzipSync(bytes));
    else writeFileSync(join(d, name), bytes);
  }
  return d;
}

const data = (source: string, validationSize = 2, trainSize: number | null = null) => ({ source, trainSize, validationSize, augment: '' });

// ---- encodeIdx / parseIdx ---------------------------------------------------------------------

test('encodeIdx → parseIdx round trip, unsigned bytes and float32', () => {
  const bytes = Uint8Array.from({ length: 24 }, (_, i) => 255 - i);
  const a = parseIdx(encodeIdx([2, 3, 4], bytes), 'x');
  assert.equal(a.type, 0x08);
  assert.deepEqual(a.dims, [2, 3, 4]);
  assert.deepEqual([...a.data], [...bytes]);
  const floats = Float32Array.from({ length: 6 }, (_, i) => i * 0.25 - 1.1);
  const enc = encodeIdx([6], floats);
  assert.equal(enc.length, 4 + 4 + 24);
  assert.deepEqual([...enc.subarray(0, 4)], [0, 0, 0x0d, 1]);
  const b = parseIdx(enc, 'y');
  assert.equal(b.type, 0x0d);
  assert.deepEqual([...b.data], [...floats]);
  // the MNIST header layout: magic 0x00000803 then big-endian dimensions
  const mn = encodeIdx([2, 28, 28], new Uint8Array(2 * 784));
  assert.deepEqual([...mn.subarray(0, 16)], [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28]);
  assert.throws(() => encodeIdx([2, 2], new Uint8Array(3)), /hold 4 values, data has 3/);
});

test('parseIdx: wrong magic number', () => {
  const b = images(2);
  b[0] = 0x12;
  throwsData(() => parseIdx(b, 'train-images-idx3-ubyte'), 'train-images-idx3-ubyte', /bad magic number 12 00 08 03/);
  const c = images(2);
  c[1] = 1;
  throwsData(() => parseIdx(c, 'f.idx'), 'f.idx', /magic/);
});

test('parseIdx: unknown and unsupported element types', () => {
  const b = images(2);
  b[2] = 0x07;
  throwsData(() => parseIdx(b, 'f1'), 'f1', /unknown IDX element type 0x7/);
  const c = images(2);
  c[2] = 0x0b; // int16: valid IDX, not supported by nnlab
  throwsData(() => parseIdx(c, 'f2'), 'f2', /element type 0xb is not supported/);
});

test('parseIdx: too short, zero dimensions, truncated header', () => {
  throwsData(() => parseIdx(new Uint8Array([0, 0]), 'tiny'), 'tiny', /too short/);
  throwsData(() => parseIdx(new Uint8Array([0, 0, 8, 0]), 'zero'), 'zero', /0 dimensions/);
  const b = images(2).subarray(0, 10); // 3 dimensions need a 16-byte header
  throwsData(() => parseIdx(b, 'hdr'), 'hdr', /truncated header: 3 dimensions need 16 bytes, file has 10/);
});

test('parseIdx: truncated data and extra bytes', () => {
  const full = images(5); // 16 + 5·6 = 46 bytes
  throwsData(() => parseIdx(full.subarray(0, 40), 'short'), 'short', /truncated data: dimensions 5x3x2 need 46 bytes, file has 40/);
  const long = new Uint8Array(50);
  long.set(full);
  throwsData(() => parseIdx(long, 'long'), 'long', /longer than its header says.*need 46 bytes, file has 50/);
  const f = encodeIdx([3], new Float32Array([1, 2, 3]));
  throwsData(() => parseIdx(f.subarray(0, f.length - 1), 'floats'), 'floats', /truncated data/);
});

// ---- pairing images with labels, splitting -----------------------------------------------------

test('images and labels whose counts disagree', () => {
  const im = parseIdx(images(5), 'imgs');
  const lb = parseIdx(labels([0, 1, 2, 3]), 'lbls');
  throwsData(() => exampleSet(im, lb, 'imgs', 'lbls'), 'lbls', /4 labels but imgs holds 5 images/);
});

test('labels that are not a 1-dimensional byte array', () => {
  const im = parseIdx(images(2), 'imgs');
  throwsData(() => exampleSet(im, parseIdx(encodeIdx([2, 1], new Uint8Array(2)), 'l2'), 'imgs', 'l2'), 'l2', /1-dimensional/);
  throwsData(() => exampleSet(im, parseIdx(encodeIdx([2], new Float32Array(2)), 'lf'), 'imgs', 'lf'), 'lf', /unsigned bytes/);
});

test('a test label out of range of the training labels', () => {
  const tr = exampleSet(parseIdx(images(6), 'ti'), parseIdx(labels([0, 1, 2, 0, 1, 2]), 'tl'), 'ti', 'tl');
  const te = exampleSet(parseIdx(images(3), 'si'), parseIdx(labels([1, 3, 0]), 'sl'), 'si', 'sl');
  throwsData(() => split(tr, te, { trainSize: null, validationSize: 2, source: 'the-folder' }), 'the-folder', /test label 3 at index 1 is out of range: training labels are 0\.\.2/);
  // in range: classes come from the labels
  const ok = split(tr, exampleSet(parseIdx(images(3), 'si'), parseIdx(labels([1, 2, 0]), 'sl'), 'si', 'sl'), { trainSize: null, validationSize: 2, source: 'x' });
  assert.equal(ok.classes, 3);
  assert.equal(ok.train.count, 4);
  assert.equal(ok.validation.count, 2);
  assert.deepEqual([...ok.validation.labels], [1, 2], 'validation is the end of the training file');
});

test('split: impossible sizes are refused with the numbers', () => {
  const tr = exampleSet(parseIdx(images(6), 'ti'), parseIdx(labels([0, 1, 2, 0, 1, 2]), 'tl'), 'ti', 'tl');
  throwsData(() => split(tr, tr, { trainSize: null, validationSize: 6, source: 'src' }), 'src', /validation size 6 leaves no training data/);
  throwsData(() => split(tr, tr, { trainSize: 5, validationSize: 2, source: 'src' }), 'src', /train size 5 is larger than the 4 training examples/);
  const other = exampleSet(parseIdx(images(2, 4, 4), 'oi'), parseIdx(labels([0, 1]), 'ol'), 'oi', 'ol');
  throwsData(() => split(tr, other, { trainSize: null, validationSize: 1, source: 'src' }), 'src', /training examples are 1x3x2 but test examples are 1x4x4/);
});

// ---- files and folders (src/node/data.ts) ---------------------------------------------------------

test('loadSplits reads a folder of plain IDX files', () => {
  const d = dataDir({});
  const s = loadSplits(data(d, 2, 8));
  assert.equal(s.classes, 3);
  assert.equal(s.train.count, 8);
  assert.equal(s.validation.count, 2);
  assert.equal(s.test.count, 4);
  assert.deepEqual(s.train.shape, [1, 3, 2]);
  assert.deepEqual([...s.test.labels], [2, 1, 0, 1]);
});

test('loadSplits reads gzipped files (.gz) and gives the same data as plain files', () => {
  const plain = loadSplits(data(dataDir({})));
  const gz = loadSplits(data(dataDir({}, true)));
  assert.deepEqual([...gz.train.pixels], [...plain.train.pixels]);
  assert.deepEqual([...gz.train.labels], [...plain.train.labels]);
  assert.deepEqual([...gz.validation.labels], [...plain.validation.labels]);
  assert.deepEqual([...gz.test.pixels], [...plain.test.pixels]);
  assert.equal(gz.classes, plain.classes);
});

test('a corrupt gzip file is named', () => {
  const d = newDir();
  const f = join(d, 'bad.gz');
  const z = gzipSync(images(3));
  writeFileSync(f, z.subarray(0, z.length - 10));
  throwsData(() => readIdxFile(f), f, /corrupt gzip data/);
});

test('malformed files inside a data folder are named by their path', () => {
  const bad = images(12);
  bad[3] = 9; // 9 dimensions declared
  const d1 = dataDir({ trainImages: bad });
  throwsData(() => loadSplits(data(d1)), join(d1, IDX_FILES.trainImages), /truncated/);

  const d2 = dataDir({ testLabels: labels([0, 1, 2]) });
  throwsData(() => loadSplits(data(d2)), join(d2, IDX_FILES.testLabels), /3 labels but .*t10k-images-idx3-ubyte holds 4 images/);

  const d3 = dataDir({ testLabels: labels([0, 1, 7, 1]) });
  throwsData(() => loadSplits(data(d3)), d3, /test label 7 at index 2 is out of range/);

  const g = gzipSync(images(12));
  const d4 = dataDir({});
  writeFileSync(join(d4, IDX_FILES.trainImages), g.subarray(0, 20)); // gzip magic, broken stream
  throwsData(() => loadSplits(data(d4)), join(d4, IDX_FILES.trainImages), /corrupt gzip/);
});

test('a missing file or folder is named', () => {
  const d = dataDir({});
  rmSync(join(d, IDX_FILES.testLabels));
  throwsData(() => loadSplits(data(d)), d, /missing t10k-labels-idx1-ubyte \(or t10k-labels-idx1-ubyte\.gz\)/);
  const nowhere = join(root, 'does-not-exist');
  throwsData(() => loadSplits(data(nowhere)), nowhere, /no such data folder/);
  throwsData(() => readIdxFile(join(root, 'nope.idx')), join(root, 'nope.idx'), /cannot read: no such file or folder \(ENOENT\)/);
});

test('an images file where the labels belong is named as such, not as truncated data', () => {
  // a labels file with an images header was reported as "truncated data: dimensions 1200x83887105x…"
  const wrong = labels([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]);
  wrong[3] = 3; // the images magic 00 00 08 03 on a labels file
  const d = dataDir({ trainLabels: wrong });
  throwsData(() => loadSplits(data(d)), IDX_FILES.trainLabels, /expected a 1-dimensional IDX file \(labels: magic 00 00 08 01\), got 3 dimensions \(magic 00 00 08 03\); is it an images file\?/);
  throwsData(() => readIdxFile(join(d, IDX_FILES.trainLabels), 1), IDX_FILES.trainLabels, /got 3 dimensions/);
  throwsData(() => readIdxFile(join(d, IDX_FILES.trainLabels)), IDX_FILES.trainLabels, /truncated data/); // without an expected rank: as before
});

test('float32 IDX data with a NaN or infinite value is refused, naming the file and the value', () => {
  // such a file was read, trained into NaN weights and reported as "the learning rate is probably too high"
  for (const bad of [NaN, Infinity, -Infinity]) {
    const values = Float32Array.from([0.5, 0.25, bad, 1]);
    throwsData(() => parseIdx(encodeIdx([1, 2, 2], values), 'float-images'), 'float-images', new RegExp(`value 2 \\(of 4\\) is ${String(bad)}: float32 data must be finite`));
  }
  assert.deepEqual([...(parseIdx(encodeIdx([1, 2, 2], Float32Array.from([0.5, -2, 0, 1e30])), 'ok').data as Float32Array)], [0.5, -2, 0, 1e30].map(Math.fround));
});

test('training labels of one class only are refused (every network scored 100 % on them)', () => {
  const d = dataDir({ trainLabels: labels(Array(12).fill(0)), testLabels: labels([0, 0, 0, 0]) });
  throwsData(() => loadSplits(data(d)), d, /every training label is 0: a classifier needs at least 2 classes/);
});
