/**
 * Layout of a kernel worker's control block (Int32 slots in the shared wasm memory), shared by
 * `threaded-kernels.ts` (the main thread) and `kernel-worker.ts`. One block of 32 ints (128 bytes,
 * its own cache lines) per worker.
 */
export const CTRL = {
  /** Bumped by the main thread to hand over a task. */
  SEQ: 0,
  /** Set to the task's SEQ by the worker when it is done. */
  DONE: 16,
  OP: 1,
  /** Set to 1 by the worker if a task threw. */
  ERR: 2,
  /** Task arguments start here (up to 12). */
  ARGS: 3,
  INTS: 32,
} as const;

export const OP = {
  EXIT: 0,
  GEMM: 1,
  GEMM_NT: 2,
  GEMM_TN: 3,
  SGD: 4,
} as const;
