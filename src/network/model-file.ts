import { COSTS, INITS, validateLayer, type CostName, type InitName, type LayerSpec } from '../core/config.js';
import { crc32 } from '../core/crc32.js';
import { ConfigError, NnlabError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { costByName } from '../costs/index.js';
import type { Kernels } from '../kernels/kernels.js';
import { Network } from './network.js';

/**
 * nnlab's network file, format version 1 (little-endian):
 *
 * | bytes        | content                                                        |
 * |--------------|----------------------------------------------------------------|
 * | 0–7          | ASCII `NNLABNET`                                               |
 * | 8–11         | uint32 format version (1)                                      |
 * | 12–15        | uint32 H, length of the JSON header in bytes                   |
 * | 16–16+H      | UTF-8 JSON header (`ModelHeader`)                              |
 * | …            | zero padding to a multiple of 4 bytes                          |
 * | rest         | float32 parameters, in the header's `params` order             |
 *
 * The header describes the network (input shape, layers, cost) and each parameter's name, shape
 * and offset, with a CRC-32 of the weight bytes; `meta` holds the run's config and results.
 */
export const MODEL_MAGIC = 'NNLABNET';
export const MODEL_VERSION = 1;

export interface ModelHeader {
  format: 'nnlab-network';
  version: number;
  inputShape: number[];
  layers: LayerSpec[];
  cost: CostName;
  init: InitName;
  classes: number;
  params: { name: string; shape: number[]; offset: number; size: number }[];
  weightsBytes: number;
  weightsCrc32: number;
  meta: Record<string, unknown>;
}

/** Serialize a network (architecture and weights) and optional metadata. */
export function encodeModel(net: Network, meta: Record<string, unknown> = {}): Uint8Array {
  const params = net.params();
  let offset = 0;
  const entries = params.map((p) => {
    const e = { name: p.name, shape: [...p.shape], offset, size: p.size };
    offset += p.size;
    return e;
  });
  const weights = new Float32Array(offset);
  params.forEach((p, i) => weights.set(p.value.subarray(0, p.size), entries[i]!.offset));
  const wbytes = new Uint8Array(weights.buffer);
  const header: ModelHeader = {
    format: 'nnlab-network',
    version: MODEL_VERSION,
    inputShape: [...net.inputShape],
    layers: [...net.specs],
    cost: net.cost.name,
    init: net.init,
    classes: net.outputSize,
    params: entries,
    weightsBytes: wbytes.length,
    weightsCrc32: crc32(wbytes),
    meta,
  };
  const h = new TextEncoder().encode(JSON.stringify(header));
  const start = 16 + h.length;
  const pad = (4 - (start % 4)) % 4;
  const out = new Uint8Array(start + pad + wbytes.length);
  out.set(new TextEncoder().encode(MODEL_MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, MODEL_VERSION, true);
  view.setUint32(12, h.length, true);
  out.set(h, 16);
  out.set(wbytes, start + pad);
  return out;
}

/** Read a network file's header without building the network. `file` names it in errors. */
export function decodeModelHeader(bytes: Uint8Array, file: string): { header: ModelHeader; weightsStart: number } {
  const bad = (problem: string) => new NnlabError(`${file}: not a valid nnlab network file: ${problem}`);
  if (bytes.length < 16) throw bad(`only ${bytes.length} bytes`);
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (magic !== MODEL_MAGIC) throw bad(`wrong magic ${JSON.stringify(magic)}, expected ${MODEL_MAGIC}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== MODEL_VERSION) throw new NnlabError(`${file}: network file format version ${version} is not supported (this nnlab reads version ${MODEL_VERSION})`);
  const hlen = view.getUint32(12, true);
  if (16 + hlen > bytes.length) throw bad(`header length ${hlen} runs past the end of the file (${bytes.length} bytes)`);
  let header: ModelHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + hlen))) as ModelHeader;
  } catch {
    throw bad('the JSON header does not parse');
  }
  const start = 16 + hlen + ((4 - ((16 + hlen) % 4)) % 4);
  if (bytes.length !== start + header.weightsBytes)
    throw bad(`expected ${start + header.weightsBytes} bytes (header + ${header.weightsBytes} weight bytes), file has ${bytes.length}: truncated or padded`);
  return { header, weightsStart: start };
}

/** Rebuild a network from a file's bytes, checking version, checksum and every parameter's shape. */
export function decodeModel(bytes: Uint8Array, kernels: Kernels, file: string): { network: Network; header: ModelHeader } {
  const { header, weightsStart } = decodeModelHeader(bytes, file);
  // A copy at offset 0 of its own buffer: `bytes` may be a Node Buffer, whose slice() is a view.
  const wbytes = new Uint8Array(bytes.subarray(weightsStart, weightsStart + header.weightsBytes));
  if (crc32(wbytes) !== header.weightsCrc32) throw new NnlabError(`${file}: corrupt network file: the weights' checksum does not match`);
  let net: Network;
  try {
    // The header is not covered by the checksum: check what it names before building from it.
    if (!Array.isArray(header.inputShape) || header.inputShape.length === 0 || !header.inputShape.every((d) => Number.isInteger(d) && d > 0))
      throw new ConfigError('inputShape', 'a list of positive integers', header.inputShape);
    if (!Array.isArray(header.layers) || header.layers.length === 0) throw new ConfigError('layers', 'a non-empty list of layers', header.layers);
    const layers = header.layers.map((l, i) => validateLayer(l, `layers[${i}]`));
    if (!COSTS.includes(header.cost)) throw new ConfigError('cost', `one of ${COSTS.join(', ')}`, header.cost);
    if (!INITS.includes(header.init)) throw new ConfigError('init', `one of ${INITS.join(', ')}`, header.init);
    if (!Array.isArray(header.params)) throw new ConfigError('params', 'a list of parameter entries', header.params);
    net = new Network({ inputShape: header.inputShape, layers, cost: costByName(header.cost), init: header.init, kernels, rng: new Rng(0) });
  } catch (e) {
    if (e instanceof NnlabError) throw new NnlabError(`${file}: not a valid nnlab network file: header ${e.message}`);
    throw e;
  }
  const weights = new Float32Array(wbytes.buffer, 0, header.weightsBytes / 4);
  const params = net.params();
  if (params.length !== header.params.length)
    throw new NnlabError(`${file}: the network described has ${params.length} parameter tensors, the file stores ${header.params.length}`);
  params.forEach((p, i) => {
    const e = header.params[i]!;
    if (e.shape.join('x') !== p.shape.join('x') || e.size !== p.size)
      throw new NnlabError(`${file}: parameter ${e.name} has shape ${e.shape.join('x')}, the network needs ${p.shape.join('x')}`);
    p.value.set(weights.subarray(e.offset, e.offset + e.size));
  });
  return { network: net, header };
}
