import type { Kernels } from './kernels.js';
import { referenceKernels } from './reference.js';
import { createWasmKernels, wasmSimdSupported } from './wasm/wasm-kernels.js';

export { sparseWorkSize, type Kernels } from './kernels.js';
export { referenceKernels } from './reference.js';
export { createWasmKernels, wasmSimdSupported, wasmSharedMemorySupported, wasmFmaSupported, type WasmKernels, type WasmOptions } from './wasm/wasm-kernels.js';

/** Backends available everywhere (browser and Node). Node adds 'wasm-threads' (src/node). */
export type KernelsName = 'auto' | 'reference' | 'wasm';
export const kernelsNames: readonly KernelsName[] = ['auto', 'reference', 'wasm'];

/**
 * The kernel backend called `name`: 'reference' (plain TypeScript loops, the readable
 * reference), 'wasm' (WebAssembly 128-bit SIMD), or 'auto' (wasm where WebAssembly SIMD is
 * available, else reference). Each call of 'wasm' makes a new backend with its own memory.
 */
export async function createKernels(name: KernelsName | string = 'auto'): Promise<Kernels> {
  switch (name) {
    case 'reference':
      return referenceKernels;
    case 'wasm':
      return createWasmKernels();
    case 'auto':
      return wasmSimdSupported() ? createWasmKernels() : referenceKernels;
    default:
      throw new Error(`unknown backend "${name}"; available: ${kernelsNames.join(', ')}`);
  }
}
