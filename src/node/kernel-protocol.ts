import type { WasmExports } from '../kernels/wasm/wasm-kernels.js';

/**
 * How the main thread and the kernel workers (`threaded-kernels.ts`, `kernel-worker.ts`) share a
 * matrix product: a control block of Int32 slots in the shared wasm memory.
 *
 * A product is cut into chunks (column or row ranges aligned to the kernels' tiles). Chunk
 * numbers are global and only grow: a product owns chunks [START, END). Every thread, the main
 * one included, claims the next chunk with a compare-exchange on NEXT while it lies in its
 * product's range, computes it, and adds 1 to DONE; the main thread returns when DONE reaches
 * END. So a worker that is not scheduled (a busy machine) costs nothing but the chunk it holds,
 * and a stale worker can never claim a chunk of a later product.
 *
 * SEQ is a sequence lock: odd while the main thread writes a product's arguments, even (and new)
 * once they are complete, so a worker never reads half-written arguments.
 */
export const CTRL = {
  SEQ: 0,
  OP: 1,
  /** Set to 1 by a worker whose chunk threw. */
  ERR: 2,
  START: 3,
  END: 4,
  /** Columns (or rows) per chunk. */
  PER: 5,
  /** 1: chunks are column ranges; 0: row ranges. */
  BYCOLS: 6,
  /** m, n, k, a, b, c, accumulate. */
  ARGS: 7,
  /** Claim counter (own cache line). */
  NEXT: 16,
  /** Completed-chunk counter (own cache line). */
  DONE: 32,
  INTS: 48,
} as const;

export const OP = {
  EXIT: 0,
  GEMM: 1,
  GEMM_NT: 2,
  GEMM_TN: 3,
} as const;

/** Compute chunk `r` (0-based within its product) described by the control block. */
function runChunk(x: WasmExports, c: Int32Array, op: number, r: number): void {
  const m = c[CTRL.ARGS]!, n = c[CTRL.ARGS + 1]!, k = c[CTRL.ARGS + 2]!;
  const a = c[CTRL.ARGS + 3]!, b = c[CTRL.ARGS + 4]!, out = c[CTRL.ARGS + 5]!, acc = c[CTRL.ARGS + 6]! !== 0;
  const per = c[CTRL.PER]!;
  let i0 = 0, i1 = m, j0 = 0, j1 = n;
  if (c[CTRL.BYCOLS]) {
    j0 = r * per;
    j1 = Math.min(n, j0 + per);
  } else {
    i0 = r * per;
    i1 = Math.min(m, i0 + per);
  }
  if (op === OP.GEMM) x.gemm(m, n, k, a, b, out, acc, i0, i1, j0, j1);
  else if (op === OP.GEMM_NT) x.gemmNT(m, n, k, a, b, out, acc, i0, i1, j0, j1);
  else if (op === OP.GEMM_TN) x.gemmTN(m, n, k, a, b, out, acc, i0, i1, j0, j1);
  else throw new Error(`kernel threads: unknown op ${op}`);
}

/**
 * Claim and compute chunks of the product in [start, end) until none is left. Returns normally
 * even if a chunk throws (the error is flagged in ERR and DONE still advances, so nobody waits
 * forever); `onError` sees the exception.
 */
export function claimChunks(x: WasmExports, c: Int32Array, op: number, start: number, end: number, onError: (e: unknown) => void): void {
  for (;;) {
    const v = Atomics.load(c, CTRL.NEXT);
    if (v < start || v >= end) return;
    if (Atomics.compareExchange(c, CTRL.NEXT, v, v + 1) !== v) continue;
    try {
      runChunk(x, c, op, v - start);
    } catch (e) {
      Atomics.store(c, CTRL.ERR, 1);
      onError(e);
    }
    Atomics.add(c, CTRL.DONE, 1);
  }
}
