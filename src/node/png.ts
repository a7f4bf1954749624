import { deflateSync } from 'node:zlib';
import { crc32 } from '../core/crc32.js';

/**
 * A minimal PNG encoder (PNG spec, ISO/IEC 15948): the 8-byte signature, then chunks, each
 * `length (4 bytes, big-endian) · type (4 ASCII bytes) · data · CRC-32 of type and data`:
 * IHDR (size, bit depth 8, colour type 0 grey or 2 RGB), one IDAT holding the zlib-deflated
 * scanlines (each preceded by filter byte 0, "None"), IEND.
 */
export function encodePng(width: number, height: number, pixels: Uint8Array, channels: 1 | 3 = 1): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new RangeError(`encodePng: width and height must be positive integers, got ${width}x${height}`);
  if (pixels.length !== width * height * channels)
    throw new RangeError(`encodePng: ${width}x${height}x${channels} needs ${width * height * channels} bytes, got ${pixels.length}`);
  const stride = width * channels;
  const raw = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 1 ? 0 : 2; // colour type: greyscale or truecolour
  // [10] compression 0 (deflate), [11] filter method 0, [12] interlace 0 (none)
  const parts = [PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** The PNG file signature: \x89 P N G \r \n \x1a \n. */
export const PNG_SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}
