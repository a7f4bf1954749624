import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { expandCommand } from '../src/cli/commands/expand.js';
import { Rng } from '../src/core/rng.js';
import { BOOK_SHIFTS, expandExamples, shiftExact } from '../src/data/augment/index.js';
import { encodeIdx } from '../src/data/idx.js';
import { IDX_FILES, loadExampleSet, loadSplits, readIdxFile } from '../src/node/data.js';

/** Equal element by element, whatever the typed-array class (files read back are Buffers). */
function same(a: ArrayLike<number>, b: ArrayLike<number>, msg?: string): void {
  assert.deepEqual(Array.from(a), Array.from(b), msg);
}


/** A small synthetic data set in IDX files: `train` 10×12 images (labels i % 10), 5 test images. */
function writeSynthetic(dir: string, train: number): { images: Uint8Array; labels: Uint8Array } {
  const r = new Rng(4);
  const images = new Uint8Array(train * 10 * 12).map(() => (r.uniform() < 0.3 ? r.int(256) : 0));
  const labels = new Uint8Array(train).map((_, i) => i % 10);
  writeFileSync(join(dir, IDX_FILES.trainImages), encodeIdx([train, 10, 12], images));
  writeFileSync(join(dir, IDX_FILES.trainLabels), encodeIdx([train], labels));
  writeFileSync(join(dir, IDX_FILES.testImages), encodeIdx([5, 10, 12], images.subarray(0, 5 * 120)));
  writeFileSync(join(dir, IDX_FILES.testLabels), encodeIdx([5], labels.subarray(0, 5)));
  return { images, labels };
}

/** Run a command with stdout/stderr silenced. */
async function quietly<T>(f: () => Promise<T>): Promise<T> {
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    return await f();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

test('nnlab expand --shifts --keep-order: each image then its four shifts; validation unchanged at the end; test files copied', async () => {
  const src = mkdtempSync(join(tmpdir(), 'nnlab-expand-src-'));
  const out = mkdtempSync(join(tmpdir(), 'nnlab-expand-out-'));
  try {
    const { images, labels } = writeSynthetic(src, 30);
    assert.equal(await quietly(() => expandCommand(['--data', src, '--out', out, '--shifts', '--keep-order', '--validation-size', '10'])), 0);
    const img = readIdxFile(join(out, IDX_FILES.trainImages));
    const lab = readIdxFile(join(out, IDX_FILES.trainLabels));
    assert.deepEqual(img.dims, [20 * 5 + 10, 10, 12]);
    const size = 120;
    const dims = { c: 1, h: 10, w: 12 };
    for (let e = 0; e < 20; e++) {
      const orig = images.subarray(e * size, (e + 1) * size);
      same(img.data.subarray(e * 5 * size, (e * 5 + 1) * size), orig, `original ${e}`);
      BOOK_SHIFTS.forEach(([dx, dy], j) => {
        const want = new Uint8Array(size);
        shiftExact(images, e * size, want, 0, dims, dx, dy);
        same(img.data.subarray((e * 5 + 1 + j) * size, (e * 5 + 2 + j) * size), want, `image ${e} shift ${j}`);
      });
      for (let j = 0; j < 5; j++) assert.equal(lab.data[e * 5 + j], labels[e]);
    }
    // the validation images, byte for byte, last
    same(img.data.subarray(100 * size), images.subarray(20 * size));
    same(lab.data.subarray(100), labels.subarray(20));
    // the test files are copies
    for (const f of [IDX_FILES.testImages, IDX_FILES.testLabels]) same(readFileSync(join(out, f)), readFileSync(join(src, f)));
    // and --data DIR then splits it right: 100 training, the 10 original validation images
    const splits = loadSplits({ source: out, trainSize: null, validationSize: 10, augment: '' });
    assert.equal(splits.train.count, 100);
    same(splits.validation.pixels, images.subarray(20 * size));
    const meta = JSON.parse(readFileSync(join(out, 'expand.json'), 'utf8'));
    assert.equal(meta.expandedTrainingImages, 100);
    assert.equal(meta.validationSize, 10);
    // refuses to overwrite without --force
    await assert.rejects(quietly(() => expandCommand(['--data', src, '--out', out, '--shifts', '--validation-size', '10'])), /already holds.*--force/);
    // nor, even with --force, onto its own source folder (the originals would be lost)
    const before = readFileSync(join(src, IDX_FILES.trainImages));
    await assert.rejects(quietly(() => expandCommand(['--data', src, '--out', join(src, '.'), '--shifts', '--validation-size', '10', '--force'])), /is the --data folder: the expanded files would replace the originals/);
    assert.deepEqual(readFileSync(join(src, IDX_FILES.trainImages)), before);
  } finally {
    rmSync(src, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  }
});

test('nnlab expand --spec: shuffled, written files read back identically to the expanded set; deterministic for a seed', async () => {
  const src = mkdtempSync(join(tmpdir(), 'nnlab-expand-src-'));
  const outs = [0, 1, 2].map(() => mkdtempSync(join(tmpdir(), 'nnlab-expand-out-')));
  try {
    const { images, labels } = writeSynthetic(src, 25);
    const args = ['--data', src, '--spec', 'rotate:10,elastic:8:3', '--copies', '2', '--validation-size', '5'];
    await quietly(() => expandCommand([...args, '--out', outs[0]!, '--seed', '3']));
    await quietly(() => expandCommand([...args, '--out', outs[1]!, '--seed', '3']));
    await quietly(() => expandCommand([...args, '--out', outs[2]!, '--seed', '4']));
    const a = loadExampleSet(outs[0]!, IDX_FILES.trainImages, IDX_FILES.trainLabels);
    const b = loadExampleSet(outs[1]!, IDX_FILES.trainImages, IDX_FILES.trainLabels);
    const c = loadExampleSet(outs[2]!, IDX_FILES.trainImages, IDX_FILES.trainLabels);
    assert.equal(a.count, 20 * 3 + 5);
    same(a.pixels, b.pixels);
    same(a.labels, b.labels);
    assert.notDeepEqual(a.pixels, c.pixels);
    // each label appears 3 times as often as among the 20 training originals
    const count = (l: Uint8Array, n: number) => Array.from({ length: 10 }, (_, k) => l.subarray(0, n).filter((v) => v === k).length);
    assert.deepEqual(count(a.labels, 60), count(labels, 20).map((v) => 3 * v));
    // validation images at the end, unchanged
    same(a.pixels.subarray(60 * 120), images.subarray(20 * 120));
    // the same as expandExamples in memory with the same random streams
    const rng = new Rng(3);
    const distort = rng.fork();
    const shuffle = rng.fork();
    const { AugmentPipeline } = await import('../src/data/augment/index.js');
    const mem = expandExamples(
      { pixels: images.subarray(0, 20 * 120), labels: labels.subarray(0, 20), count: 20, shape: [1, 10, 12] },
      { kind: 'distort', pipeline: AugmentPipeline.fromSpec('rotate:10,elastic:8:3', [1, 10, 12]), copies: 2, rng: distort },
      shuffle,
    );
    same(a.pixels.subarray(0, 60 * 120), mem.pixels);
    same(a.labels.subarray(0, 60), mem.labels);
  } finally {
    for (const d of [src, ...outs]) rmSync(d, { recursive: true, force: true });
  }
});

test('nnlab expand: usage errors', async () => {
  await assert.rejects(quietly(() => expandCommand(['--shifts'])), /needs --out/);
  await assert.rejects(quietly(() => expandCommand(['--out', '/tmp/x'])), /exactly one of --shifts and --spec/);
  await assert.rejects(quietly(() => expandCommand(['--out', '/tmp/x', '--shifts', '--spec', 'rotate'])), /exactly one/);
  await assert.rejects(quietly(() => expandCommand(['--out', '/tmp/x', '--shifts', '--copies', '2'])), /--copies goes with --spec/);
  await assert.rejects(quietly(() => expandCommand(['--out', '/tmp/x', '--spec', 'rotate:x'])), /bad token "rotate:x"/);
});
