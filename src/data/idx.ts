import { DataError } from '../core/errors.js';

/**
 * The IDX format (LeCun et al., the MNIST files): a 4-byte magic number — two zero bytes, a
 * type code, the number of dimensions — then each dimension as a big-endian uint32, then the data.
 * Only the element types nnlab can use are accepted: unsigned byte (0x08) and float32 (0x0D).
 */
export interface IdxArray {
  /** 0x08 for unsigned bytes, 0x0D for float32. */
  readonly type: number;
  readonly dims: readonly number[];
  readonly data: Uint8Array | Float32Array;
}

const TYPE_SIZES: Record<number, number> = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 };

/**
 * Parse IDX bytes (already un-gzipped). `file` names the source in error messages. `expectDims`:
 * the number of dimensions the file must declare (1 for labels), checked before the sizes are
 * read, so that an images file given as labels is named as such, not as "truncated".
 */
export function parseIdx(bytes: Uint8Array, file: string, expectDims?: number): IdxArray {
  if (bytes.length < 4) throw new DataError(file, `too short for an IDX file (${bytes.length} bytes; the header alone is at least 4)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hex = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  if (bytes[0] !== 0 || bytes[1] !== 0) throw new DataError(file, `bad magic number ${hex}: an IDX file starts with two zero bytes`);
  const type = bytes[2]!;
  const nd = bytes[3]!;
  if (!(type in TYPE_SIZES)) throw new DataError(file, `unknown IDX element type 0x${type.toString(16)}`);
  if (type !== 0x08 && type !== 0x0d) throw new DataError(file, `IDX element type 0x${type.toString(16)} is not supported: expected 0x08 (unsigned byte) or 0x0d (float32)`);
  if (nd === 0) throw new DataError(file, 'IDX header declares 0 dimensions');
  if (expectDims !== undefined && nd !== expectDims)
    throw new DataError(file, `expected a ${expectDims}-dimensional IDX file (labels: magic 00 00 08 0${expectDims}), got ${nd} dimensions (magic ${hex}); is it an images file?`);
  const headerLen = 4 + 4 * nd;
  if (bytes.length < headerLen) throw new DataError(file, `truncated header: ${nd} dimensions need ${headerLen} bytes, file has ${bytes.length}`);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < nd; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d;
  }
  const elemSize = TYPE_SIZES[type]!;
  const expected = headerLen + count * elemSize;
  if (bytes.length < expected)
    throw new DataError(file, `truncated data: dimensions ${dims.join('x')} need ${expected} bytes, file has ${bytes.length}`);
  if (bytes.length > expected)
    throw new DataError(file, `file is longer than its header says: dimensions ${dims.join('x')} need ${expected} bytes, file has ${bytes.length}`);
  if (type === 0x08) return { type, dims, data: bytes.subarray(headerLen, expected) };
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const v = view.getFloat32(headerLen + 4 * i, false);
    // a NaN or infinite value would train silently into NaN weights, then be blamed on η
    if (!Number.isFinite(v)) throw new DataError(file, `value ${i} (of ${count}) is ${v}: float32 data must be finite`);
    data[i] = v;
  }
  return { type, dims, data };
}

/** Encode an IDX file (the inverse of `parseIdx`). */
export function encodeIdx(dims: readonly number[], data: Uint8Array | Float32Array): Uint8Array {
  const type = data instanceof Uint8Array ? 0x08 : 0x0d;
  const headerLen = 4 + 4 * dims.length;
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new RangeError(`encodeIdx: dimensions ${dims.join('x')} hold ${count} values, data has ${data.length}`);
  const out = new Uint8Array(headerLen + count * (type === 0x08 ? 1 : 4));
  const view = new DataView(out.buffer);
  out[2] = type;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  if (data instanceof Uint8Array) out.set(data, headerLen);
  else for (let i = 0; i < count; i++) view.setFloat32(headerLen + 4 * i, data[i]!, false);
  return out;
}
