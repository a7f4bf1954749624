import type { WasmExports } from '../kernels/wasm/wasm-kernels.js';

/**
 * How the main thread and the kernel workers (`threaded-kernels.ts`, `kernel-worker.ts`) share a
 * matrix product: a control block of Int32 slots in the shared wasm memory.
 *
 * A product is cut into chunks (column or row ranges aligned to the kernels' tiles); the other
 * split kernels (im2col, im2row, col2im, pooling, ReLU, the sparse products' rows) into ranges of
 * rows, examples, channels, planes or elements
 * (`EXTENT` items, `PER` a chunk), each range written by one thread only. Chunk
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
  /** The sequence lock, alone on its cache line: the line the waiting workers spin on. */
  SEQ: 0,
  OP: 16,
  /** Set to 1 by a worker whose chunk threw. */
  ERR: 17,
  START: 18,
  END: 19,
  /** Columns (or rows) per chunk. */
  PER: 20,
  /** 1: chunks are column ranges; 0: row ranges. */
  BYCOLS: 21,
  /** Items split by a range op (rows, channels, planes or elements). */
  EXTENT: 22,
  /** The kernel's arguments: m, n, k, a, b, c, accumulate for a product; see `runChunk` for the others. */
  ARGS: 23,
  /** Claim counter (own cache line). */
  NEXT: 48,
  /** Completed-chunk counter (own cache line). */
  DONE: 64,
  /**
   * Workers asleep in Atomics.wait (own cache line). A worker adds 1 before it waits on SEQ; the main
   * thread calls Atomics.notify (a costly call) only when this is not 0. With sequentially consistent
   * atomics no wake-up is lost: a worker that registered after the main thread read 0 sees the new
   * SEQ and does not sleep.
   */
  SLEEPERS: 80,
  /**
   * The replica mailbox (`data-parallel.ts`, `replica.ts`), apart from the products' slots so that
   * the main thread can announce products while the worker works on its part of a mini-batch.
   * REQ: number of requests sent; ANS: number answered (the worker stores REQ here when done).
   */
  REPLICA_REQ: 96,
  REPLICA_ANS: 112,
  /** The request: kind (REPLICA), then its integer arguments. */
  REPLICA_KIND: 113,
  REPLICA_ARGS: 114,
  /** Set to 1 by the worker once it has started (a request waits at most a minute for that). */
  WORKER_READY: 122,
  /** Set to 1 by the worker as its thread ends (a request then fails instead of waiting forever). */
  WORKER_GONE: 123,
  /** The answer: 1 if the request failed (its message went to the main thread). */
  REPLICA_ERR: 124,
  /** The part's summed cost, a float64 in slots 126-127 (8-byte aligned: the block is 64-byte aligned). */
  REPLICA_COST: 126,
  INTS: 128,
} as const;

/** What the replica mailbox asks of the worker. */
export const REPLICA = {
  /** Build the replica from the message waiting on the worker's port (args: none). */
  INIT: 1,
  /** Forward and backward of rows [from, from + count) of a mini-batch of `total` (args: count, total, x pointer, y pointer). */
  PART: 2,
} as const;

export const OP = {
  EXIT: 0,
  GEMM: 1,
  GEMM_NT: 2,
  GEMM_TN: 3,
  /** im2col by rows of the column matrix. */
  IM2COL: 4,
  /** col2im by input channels. */
  COL2IM: 5,
  /** max-pooling forward / backward by planes. */
  MAXPOOL: 6,
  MAXPOOL_BACK: 7,
  /** ReLU forward / backward by elements. */
  RELU: 8,
  RELU_BACK: 9,
  /** Optimizer steps by elements: sgdStep, sgdDecayStep, momentumStep. */
  SGD: 10,
  SGD_DECAY: 11,
  MOMENTUM: 12,
  /** y += α x by elements (summing the replicas' gradients). */
  AXPY: 13,
  /** No kernel (an empty range): moves SEQ on to wake the worker for a replica request. */
  NONE: 14,
  /** gemmSparseA's products (after the main thread's `sparsePack`) by groups of 4 rows of C. */
  SPARSE: 15,
  /** im2row by examples (each example's rows of the unfolded matrix). */
  IM2ROW: 16,
} as const;

/** The float64 answer slot of the replica mailbox. */
export function replicaCostView(c: Int32Array): Float64Array {
  return new Float64Array(c.buffer, c.byteOffset + 4 * CTRL.REPLICA_COST, 1);
}

/** Floats among the ARGS (learning rate, decay, momentum) travel as their float32 bits: this view reads them. */
export function floatView(c: Int32Array): Float32Array {
  return new Float32Array(c.buffer, c.byteOffset, c.length);
}

/** Compute chunk `r` (0-based within its product) described by the control block. */
function runChunk(x: WasmExports, c: Int32Array, f: Float32Array, op: number, r: number): void {
  const A = (i: number) => c[CTRL.ARGS + i]!;
  const F = (i: number) => f[CTRL.ARGS + i]!;
  const per = c[CTRL.PER]!;
  if (op <= OP.GEMM_TN) {
    const m = A(0), n = A(1), k = A(2), a = A(3), b = A(4), out = A(5), acc = A(6) !== 0;
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
    else x.gemmTN(m, n, k, a, b, out, acc, i0, i1, j0, j1);
    return;
  }
  const lo = r * per, hi = Math.min(c[CTRL.EXTENT]!, lo + per), len = hi - lo;
  switch (op) {
    case OP.IM2COL: // x, xOff, count, c, h, w, k, stride, padY, padX, oh, ow, col
      x.im2colRows(A(0), A(1), A(2), A(3), A(4), A(5), A(6), A(7), A(8), A(9), A(10), A(11), A(12), lo, hi);
      return;
    case OP.IM2ROW: { // x, xOff, count, c, h, w, k, stride, padY, padX, oh, ow, rows: examples [lo, hi)
      const inSize = A(3) * A(4) * A(5), rowFloats = A(3) * A(6) * A(6) * A(10) * A(11);
      x.im2row(A(0), A(1) + lo * inSize, len, A(3), A(4), A(5), A(6), A(7), A(8), A(9), A(10), A(11), A(12) + 4 * lo * rowFloats);
      return;
    }
    case OP.COL2IM: // col, count, c, h, w, k, stride, padY, padX, oh, ow, dx, dxOff
      x.col2imChannels(A(0), A(1), A(2), A(3), A(4), A(5), A(6), A(7), A(8), A(9), A(10), A(11), A(12), lo, hi);
      return;
    case OP.MAXPOOL: { // x, h, w, size, stride, oh, ow, y, arg: planes [lo, hi)
      const hw = A(1) * A(2), ohw = A(5) * A(6);
      x.maxpoolForward(A(0) + 4 * lo * hw, len, A(1), A(2), A(3), A(4), A(5), A(6), A(7) + 4 * lo * ohw, A(8) + 4 * lo * ohw);
      return;
    }
    case OP.MAXPOOL_BACK: { // dy, arg, h, w, oh, ow, dx
      const hw = A(2) * A(3), ohw = A(4) * A(5);
      x.maxpoolBackward(A(0) + 4 * lo * ohw, A(1) + 4 * lo * ohw, len, A(2), A(3), A(4), A(5), A(6) + 4 * lo * hw);
      return;
    }
    case OP.RELU: // z, a
      x.relu(A(0) + 4 * lo, A(1) + 4 * lo, len);
      return;
    case OP.RELU_BACK: // z, da, dz
      x.reluBackward(A(0) + 4 * lo, A(1) + 4 * lo, A(2) + 4 * lo, len);
      return;
    case OP.SGD: // w, g, η
      x.sgdStep(A(0) + 4 * lo, A(1) + 4 * lo, F(2), len);
      return;
    case OP.SGD_DECAY: // w, g, η, c
      x.sgdDecayStep(A(0) + 4 * lo, A(1) + 4 * lo, F(2), F(3), len);
      return;
    case OP.MOMENTUM: // w, v, g, η, μ
      x.momentumStep(A(0) + 4 * lo, A(1) + 4 * lo, A(2) + 4 * lo, F(3), F(4), len);
      return;
    case OP.SPARSE: // m, n, k, b, c, cT, accumulate, work: rows [4·lo, 4·hi)
      x.sparseRows(A(0), A(1), A(2), A(3), A(4), A(5) !== 0, A(6) !== 0, A(7), 4 * lo, Math.min(A(0), 4 * hi));
      return;
    case OP.AXPY: // x, y, α
      x.axpy(F(2), A(0) + 4 * lo, A(1) + 4 * lo, len);
      return;
    default:
      throw new Error(`kernel threads: unknown op ${op}`);
  }
}

/**
 * Claim and compute chunks of the product in [start, end) until none is left. Returns normally
 * even if a chunk throws (the error is flagged in ERR and DONE still advances, so nobody waits
 * forever); `onError` sees the exception.
 */
export function claimChunks(x: WasmExports, c: Int32Array, f: Float32Array, op: number, start: number, end: number, onError: (e: unknown) => void): void {
  for (;;) {
    const v = Atomics.load(c, CTRL.NEXT);
    if (v < start || v >= end) return;
    if (Atomics.compareExchange(c, CTRL.NEXT, v, v + 1) !== v) continue;
    try {
      runChunk(x, c, f, op, v - start);
    } catch (e) {
      Atomics.store(c, CTRL.ERR, 1);
      onError(e);
    }
    Atomics.add(c, CTRL.DONE, 1);
  }
}
