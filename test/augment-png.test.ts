import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { inflateSync } from 'node:zlib';
import { augmentCommand } from '../src/cli/commands/augment.js';
import { crc32 } from '../src/core/crc32.js';
import { encodeIdx } from '../src/data/idx.js';
import { IDX_FILES } from '../src/node/data.js';
import { encodePng, PNG_SIGNATURE } from '../src/node/png.js';

/** Equal element by element, whatever the typed-array class (files read back are Buffers). */
function same(a: ArrayLike<number>, b: ArrayLike<number>, msg?: string): void {
  assert.deepEqual(Array.from(a), Array.from(b), msg);
}


interface Chunk {
  type: string;
  data: Uint8Array;
}

/** Split a PNG into chunks, checking the signature and every CRC. */
function chunks(png: Uint8Array): Chunk[] {
  same(png.subarray(0, 8), PNG_SIGNATURE);
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: Chunk[] = [];
  let off = 8;
  while (off < png.length) {
    const len = v.getUint32(off);
    const type = String.fromCharCode(...png.subarray(off + 4, off + 8));
    const data = png.subarray(off + 8, off + 8 + len);
    assert.equal(v.getUint32(off + 8 + len), crc32(png.subarray(off + 4, off + 8 + len)), `CRC of ${type}`);
    out.push({ type, data });
    off += 12 + len;
  }
  assert.equal(off, png.length);
  return out;
}

/** Decode our PNGs (filter 0 only) back to pixels. */
function decode(png: Uint8Array): { width: number; height: number; colorType: number; pixels: Uint8Array } {
  const cs = chunks(png);
  assert.deepEqual(cs.map((c) => c.type), ['IHDR', 'IDAT', 'IEND']);
  const h = new DataView(cs[0]!.data.buffer, cs[0]!.data.byteOffset, 13);
  const width = h.getUint32(0);
  const height = h.getUint32(4);
  assert.equal(cs[0]!.data[8], 8, 'bit depth');
  const colorType = cs[0]!.data[9]!;
  const channels = colorType === 0 ? 1 : 3;
  const raw = inflateSync(cs[1]!.data);
  assert.equal(raw.length, height * (1 + width * channels));
  const pixels = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    assert.equal(raw[y * (1 + width * channels)], 0, 'filter byte');
    pixels.set(raw.subarray(y * (1 + width * channels) + 1, (y + 1) * (1 + width * channels)), y * width * channels);
  }
  return { width, height, colorType, pixels };
}

test('encodePng: signature, chunk CRCs, and pixels back through zlib inflate (grey and RGB)', () => {
  const grey = new Uint8Array(7 * 5).map((_, i) => (i * 13) % 256);
  const g = decode(encodePng(7, 5, grey));
  assert.deepEqual([g.width, g.height, g.colorType], [7, 5, 0]);
  assert.deepEqual(g.pixels, grey);
  const rgb = new Uint8Array(3 * 4 * 2).map((_, i) => 255 - i);
  const c = decode(encodePng(4, 2, rgb, 3));
  assert.deepEqual([c.width, c.height, c.colorType], [4, 2, 2]);
  assert.deepEqual(c.pixels, rgb);
  assert.throws(() => encodePng(3, 3, new Uint8Array(8)), /needs 9 bytes/);
  assert.throws(() => encodePng(0, 3, new Uint8Array(0)), /positive integers/);
});

test('crc32 of "IEND" is the value every PNG ends with', () => {
  assert.equal(crc32(new TextEncoder().encode('IEND')), 0xae426082);
});

test('nnlab augment --preview writes a valid PNG grid: originals in the first column', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nnlab-preview-'));
  try {
    const images = new Uint8Array(4 * 8 * 8).map((_, i) => (i % 7 === 0 ? 255 : 0));
    writeFileSync(join(dir, IDX_FILES.trainImages), encodeIdx([4, 8, 8], images));
    writeFileSync(join(dir, IDX_FILES.trainLabels), encodeIdx([4], new Uint8Array([0, 1, 2, 3])));
    const out = join(dir, 'grid.png');
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      assert.equal(await augmentCommand(['--preview', '--data', dir, '--count', '3', '--copies', '2', '--zoom', '2', '--spec', 'rotate:20,elastic:5:2', '--out', out]), 0);
    } finally {
      process.stdout.write = write;
    }
    const png = decode(readFileSync(out));
    // pad 2 + 16 + gap 6 + 2 × (16 + 2) wide; 2 + 3 × (16 + 2) high
    assert.equal(png.width, 2 + 16 + 6 + 2 * 18);
    assert.equal(png.height, 2 + 3 * 18);
    // the first image, zoomed 2×, at (2, 2)
    for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) assert.equal(png.pixels[(2 + y) * png.width + 2 + x], images[(y >> 1) * 8 + (x >> 1)]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('nnlab augment without --preview is a one-line usage error (it printed the whole help)', async () => {
  await assert.rejects(augmentCommand([]), (e: unknown) => e instanceof Error && e.name === 'UsageError' && /^nnlab augment needs --preview \(usage: nnlab augment --preview/.test(e.message) && !e.message.includes('\n'));
});
