// nnlab's WebAssembly SIMD kernels: the entry points the TypeScript wrapper
// (src/kernels/wasm/wasm-kernels.ts) calls. Buffers are byte addresses in the (imported, shared)
// linear memory; the wrapper's bump allocator hands them out above `heapBase()`.
import { outer, dotNT } from './gemm';

export {
  addRowVector, columnSums, sigmoid, sigmoidBackward, tanh, tanhBackward, relu, reluBackward,
  softmaxRows, softmaxBackwardRows, mul, sub, axpy, scale, addL2Grad, addL1Grad, sgdStep, sgdDecayStep,
  momentumStep, nesterovStep, adagradStep, rmspropStep, adamStep, bytesToFloats,
} from './elementwise';

export {
  im2col, im2colRows, im2row, col2im, col2imChannels, channelsToBatch, batchToChannels, addChannelBias, channelSums,
  maxpoolForward, maxpoolBackward, avgpoolForward, avgpoolBackward,
} from './conv';

export { gemmSparseA, sparsePack, sparseRows } from './sparse';

/** First free byte of linear memory: allocations start here. */
export function heapBase(): usize {
  return __heap_base;
}

/** Rows [i0, i1) × columns [j0, j1) of C[m×n] (+)= A[m×k] · B[k×n]. */
export function gemm(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, accumulate: bool, i0: i32, i1: i32, j0: i32, j1: i32): void {
  outer(i1 - i0, j1 - j0, k, a + ((<usize>i0 * <usize>k) << 2), k, 1, b + (<usize>j0 << 2), n, c + ((<usize>i0 * <usize>n + <usize>j0) << 2), n, accumulate);
}

/** Rows [i0, i1) × columns [j0, j1) of C[m×n] (+)= A[m×k] · Bᵀ, B stored [n×k]. */
export function gemmNT(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, accumulate: bool, i0: i32, i1: i32, j0: i32, j1: i32): void {
  dotNT(i1 - i0, j1 - j0, k, a + ((<usize>i0 * <usize>k) << 2), k, b + ((<usize>j0 * <usize>k) << 2), k, c + ((<usize>i0 * <usize>n + <usize>j0) << 2), n, accumulate);
}

/** Rows [i0, i1) × columns [j0, j1) of C[m×n] (+)= Aᵀ · B[k×n], A stored [k×m]. */
export function gemmTN(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, accumulate: bool, i0: i32, i1: i32, j0: i32, j1: i32): void {
  outer(i1 - i0, j1 - j0, k, a + (<usize>i0 << 2), 1, m, b + (<usize>j0 << 2), n, c + ((<usize>i0 * <usize>n + <usize>j0) << 2), n, accumulate);
}
