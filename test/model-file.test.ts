/**
 * The network file: round trip, and refusal of every kind of bad file with a clear message.
 * Atomic writes leave no partial file behind.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { referenceKernels as K } from '../src/kernels/reference.js';
import { Rng } from '../src/core/rng.js';
import { NnlabError } from '../src/core/errors.js';
import { crc32 } from '../src/core/crc32.js';
import { costByName } from '../src/costs/index.js';
import { Network } from '../src/network/network.js';
import { decodeModel, decodeModelHeader, encodeModel, MODEL_VERSION, type ModelHeader } from '../src/network/model-file.js';
import { parseArchitecture } from '../src/network/arch.js';
import { writeFileAtomic } from '../src/node/atomic.js';

const root = mkdtempSync(join(tmpdir(), 'nnlab-model-'));
after(() => rmSync(root, { recursive: true, force: true }));

function makeNet(seed = 5): Network {
  return new Network({
    inputShape: [1, 4, 3],
    layers: parseArchitecture('dense 6 tanh, dropout 0.25, dense 5 relu, softmax 3'),
    cost: costByName('log-likelihood'),
    init: 'he',
    kernels: K,
    rng: new Rng(seed),
  });
}

/** Rebuild a file from a (modified) header and weight bytes, with a correct layout. */
function rebuild(header: ModelHeader, weights: Uint8Array, version = MODEL_VERSION): Uint8Array {
  const h = new TextEncoder().encode(JSON.stringify(header));
  const start = 16 + h.length;
  const pad = (4 - (start % 4)) % 4;
  const out = new Uint8Array(start + pad + weights.length);
  out.set(new TextEncoder().encode('NNLABNET'));
  const v = new DataView(out.buffer);
  v.setUint32(8, version, true);
  v.setUint32(12, h.length, true);
  out.set(h, 16);
  out.set(weights, start + pad);
  return out;
}

function refused(f: () => unknown, pattern: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof NnlabError, `expected an NnlabError, got ${String(e)}`);
    assert.match(e.message, pattern);
    assert.ok(e.message.startsWith('net.bin: '), `the message names the file: ${e.message}`);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
}

test('encode → decode round trip: same architecture, cost, weights and outputs', () => {
  const net = makeNet();
  const bytes = encodeModel(net, { note: 'hello', accuracy: 0.5 });
  const { network, header } = decodeModel(bytes, K, 'net.bin');
  assert.equal(header.format, 'nnlab-network');
  assert.equal(header.version, MODEL_VERSION);
  assert.deepEqual(header.inputShape, [1, 4, 3]);
  assert.equal(header.cost, 'log-likelihood');
  assert.equal(header.classes, 3);
  assert.deepEqual(header.meta, { note: 'hello', accuracy: 0.5 });
  assert.deepEqual(network.specs, net.specs);
  assert.equal(network.cost.name, 'log-likelihood');
  const a = net.params();
  const b = network.params();
  assert.equal(a.length, b.length);
  a.forEach((p, i) => assert.deepEqual(b[i]!.value, p.value, p.name));
  const x = Float32Array.from({ length: 24 }, (_, i) => (i % 5) / 4);
  assert.deepEqual(network.forward(x, 2, false).slice(0, 6), net.forward(x, 2, false).slice(0, 6));
  // the weights start on a 4-byte boundary
  const { weightsStart } = decodeModelHeader(bytes, 'net.bin');
  assert.equal(weightsStart % 4, 0);
  assert.equal(bytes.length - weightsStart, 4 * net.parameterCount());
});

test('decoding from a Node Buffer (as readFileSync returns) or an unaligned view gives the same weights', () => {
  // Regression: Buffer.slice() is a view, so the weights were read from the start of the file.
  const net = makeNet();
  const bytes = encodeModel(net);
  const pooled = Buffer.from(bytes); // a small Buffer sits at an offset inside Node's shared pool
  const shifted = new Uint8Array(bytes.length + 3);
  shifted.set(bytes, 3);
  for (const input of [pooled, readBack(bytes), shifted.subarray(3)]) {
    const { network } = decodeModel(input, K, 'net.bin');
    net.params().forEach((p, i) => assert.deepEqual(network.params()[i]!.value, p.value, p.name));
  }
});

function readBack(bytes: Uint8Array): Buffer {
  const f = join(root, 'read-back.nnlab');
  writeFileAtomic(f, bytes);
  return readFileSync(f);
}

test('wrong magic is refused', () => {
  const bytes = encodeModel(makeNet());
  bytes[0] = 'X'.charCodeAt(0);
  refused(() => decodeModel(bytes, K, 'net.bin'), /not a valid nnlab network file: wrong magic "XNLABNET", expected NNLABNET/);
  refused(() => decodeModel(new TextEncoder().encode('{"format":"nnlab-network"} and more text'), K, 'net.bin'), /wrong magic/);
});

test('another format version is refused, naming both versions', () => {
  const bytes = encodeModel(makeNet());
  new DataView(bytes.buffer).setUint32(8, 2, true);
  refused(() => decodeModel(bytes, K, 'net.bin'), /format version 2 is not supported \(this nnlab reads version 1\)/);
});

test('a checksum mismatch (a flipped weight bit) is refused', () => {
  const bytes = encodeModel(makeNet());
  bytes[bytes.length - 3]! ^= 0x10;
  refused(() => decodeModel(bytes, K, 'net.bin'), /corrupt network file: the weights' checksum does not match/);
});

test('truncated or padded files are refused', () => {
  const bytes = encodeModel(makeNet());
  refused(() => decodeModel(bytes.subarray(0, bytes.length - 4), K, 'net.bin'), /truncated or padded/);
  refused(() => decodeModel(bytes.subarray(0, 40), K, 'net.bin'), /header length \d+ runs past the end of the file \(40 bytes\)/);
  refused(() => decodeModel(bytes.subarray(0, 10), K, 'net.bin'), /only 10 bytes/);
  refused(() => decodeModel(new Uint8Array(0), K, 'net.bin'), /only 0 bytes/);
  const longer = new Uint8Array(bytes.length + 8);
  longer.set(bytes);
  refused(() => decodeModel(longer, K, 'net.bin'), /truncated or padded/);
});

test('a header that does not parse is refused', () => {
  const bytes = encodeModel(makeNet());
  bytes[16] = '['.charCodeAt(0); // the header's opening brace
  refused(() => decodeModel(bytes, K, 'net.bin'), /the JSON header does not parse/);
});

test('shape mismatches between the header\'s parameters and its layers are refused', () => {
  const net = makeNet();
  const bytes = encodeModel(net);
  const { header, weightsStart } = decodeModelHeader(bytes, 'net.bin');
  const weights = bytes.slice(weightsStart);
  // a parameter recorded with another shape
  const h1: ModelHeader = structuredClone(header);
  h1.params[0]!.shape = [12, 6];
  refused(() => decodeModel(rebuild(h1, weights), K, 'net.bin'), /parameter 0\.dense\.weights has shape 12x6, the network needs 6x12/);
  // layers that need other shapes than the stored weights
  const h2: ModelHeader = structuredClone(header);
  h2.layers = parseArchitecture('dense 7 tanh, dropout 0.25, dense 5 relu, softmax 3');
  refused(() => decodeModel(rebuild(h2, weights), K, 'net.bin'), /has shape 6x12, the network needs 7x12/);
  // a different number of parameter tensors
  const h3: ModelHeader = structuredClone(header);
  h3.params = h3.params.slice(0, 3);
  refused(() => decodeModel(rebuild(h3, weights), K, 'net.bin'), /the network described has 6 parameter tensors, the file stores 3/);
  // the untouched header rebuilt the same way still loads
  assert.ok(decodeModel(rebuild(structuredClone(header), weights), K, 'net.bin').network);
  assert.equal(crc32(weights), header.weightsCrc32);
});

test('a header naming an unknown layer, neuron or cost is refused', () => {
  const bytes = encodeModel(makeNet());
  const { header, weightsStart } = decodeModelHeader(bytes, 'net.bin');
  const weights = bytes.slice(weightsStart);
  const h1 = structuredClone(header) as unknown as { layers: { activation?: string }[] } & ModelHeader;
  h1.layers[0]!.activation = 'sigmoie';
  refused(() => decodeModel(rebuild(h1, weights), K, 'net.bin'), /not a valid nnlab network file: header config field 'layers\[0\]\.activation'.*got "sigmoie"/);
  const h2 = structuredClone(header) as unknown as Record<string, unknown>;
  h2.cost = 'hinge';
  refused(() => decodeModel(rebuild(h2 as unknown as ModelHeader, weights), K, 'net.bin'), /header config field 'cost': expected one of .*got "hinge"/);
  const h3 = structuredClone(header) as unknown as Record<string, unknown>;
  h3.layers = [{ type: 'lstm', units: 3 }];
  refused(() => decodeModel(rebuild(h3 as unknown as ModelHeader, weights), K, 'net.bin'), /layers\[0\]\.type.*"lstm"/);
  const h4 = structuredClone(header) as unknown as Record<string, unknown>;
  h4.inputShape = 'big';
  refused(() => decodeModel(rebuild(h4 as unknown as ModelHeader, weights), K, 'net.bin'), /inputShape/);
});

// ---- atomic writes ---------------------------------------------------------------------------

test('writeFileAtomic writes the whole file and leaves no temporary file', () => {
  const d = join(root, 'ok');
  mkdirSync(d);
  const target = join(d, 'net.bin');
  const bytes = encodeModel(makeNet());
  writeFileAtomic(target, bytes);
  assert.deepEqual(new Uint8Array(readFileSync(target)), bytes);
  // overwriting replaces the file
  writeFileAtomic(target, 'second');
  assert.equal(readFileSync(target, 'utf8'), 'second');
  assert.deepEqual(readdirSync(d), ['net.bin']);
});

test('writeFileAtomic into a missing folder throws and creates nothing', () => {
  const missing = join(root, 'no-such-folder');
  assert.throws(
    () => writeFileAtomic(join(missing, 'net.bin'), 'x'),
    (e: unknown) => e instanceof NnlabError && e.message === `${join(missing, 'net.bin')}: cannot write: ENOENT (the folder does not exist)`,
  );
  assert.ok(!existsSync(missing));
});

test('writeFileAtomic that fails at the rename removes its temporary file and keeps the target', () => {
  const d = join(root, 'rename');
  mkdirSync(d);
  const target = join(d, 'target');
  mkdirSync(target); // a directory where the file should go: the rename fails
  writeFileAtomic(join(target, 'inside'), 'keep me'); // a non-empty directory
  assert.throws(() => writeFileAtomic(target, encodeModel(makeNet())), (e: unknown) => e instanceof NnlabError && e.message.startsWith(`${target}: cannot write: E`));
  assert.deepEqual(readdirSync(d), ['target'], 'no partial or temporary file is left beside the target');
  assert.equal(readFileSync(join(target, 'inside'), 'utf8'), 'keep me');
});
