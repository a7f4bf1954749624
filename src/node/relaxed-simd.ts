import { setFlagsFromString } from 'node:v8';
import { wasmFmaSupported } from '../kernels/wasm/wasm-kernels.js';

/**
 * Let this Node process run WebAssembly relaxed SIMD, which the wasm kernels' FMA build needs
 * (`f32x4.relaxed_madd`: one fused multiply-add instruction where the processor has FMA; about
 * 1.2× the matrix-product throughput of a multiply and an add, `npm run bench`). V8 ships relaxed
 * SIMD from version 11.4 (Node 21 and later); Node 20's V8 11.3 has it behind
 * `--experimental-wasm-relaxed-simd`, which V8 reads when it validates a module, so it may be set
 * at run time, before the kernels are compiled. Worker threads share the process's V8 flags.
 *
 * The flag is process-wide and only adds a WebAssembly feature: modules that validated before
 * still do. Returns whether the FMA build validates now. Does nothing where it already does, and
 * on V8 versions that should have it on by default (a missing flag there would only print a
 * warning).
 */
export function enableRelaxedSimd(): boolean {
  if (wasmFmaSupported()) return true;
  const [major, minor] = process.versions.v8.split('.').map(Number) as [number, number];
  if (major === 11 && minor <= 3) setFlagsFromString('--experimental-wasm-relaxed-simd');
  return wasmFmaSupported();
}
