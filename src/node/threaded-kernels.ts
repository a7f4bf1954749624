import { Worker } from 'node:worker_threads';
import type { Kernels } from '../kernels/kernels.js';
import { referenceKernels } from '../kernels/reference.js';
import { createWasmKernels, wasmSharedMemorySupported, wasmSimdSupported, type WasmKernels } from '../kernels/wasm/wasm-kernels.js';
import { CTRL, OP } from './kernel-protocol.js';

/**
 * The WebAssembly SIMD backend on several cores: worker threads instantiate the same kernels over
 * the same shared memory, and a matrix product with at least `minFlops` floating-point operations
 * is cut into `threads` column (or row) ranges, one per thread, the main thread computing the
 * first. Smaller products and all other kernels run inline on the main thread, where handing
 * work over would cost more than it saves.
 *
 * Reproducibility: the wasm kernels compute each element of a product by one fixed sequence of
 * operations whatever range it falls in, so results are bit-for-bit those of the single-threaded
 * backend, for any thread count.
 */
export interface ThreadedKernels extends Kernels {
  readonly threads: number;
  /** Products of at least this many flops (2·m·n·k) are split across threads. */
  readonly minFlops: number;
  /** Stop the worker threads (the backend then runs everything inline). */
  close(): void;
}

export interface ThreadedOptions {
  /** Threads including the main one (default 2). */
  threads?: number;
  /** Split products of at least this many flops (default 3e6, measured by `npm run bench`). */
  minFlops?: number;
  /** How long a worker spins waiting for the next task before it sleeps (µs, default 200). */
  spinMicros?: number;
}

/** Default split threshold; see bench/results.md for the measurements behind it. */
export const DEFAULT_MIN_FLOPS = 3e6;

interface Part {
  i0: number;
  i1: number;
  j0: number;
  j1: number;
}

/**
 * Cut C[m×n] into `t` ranges aligned to the kernels' tiles (8 columns for the outer-product
 * forms, 4 for A·Bᵀ): by columns when n is wide enough, else by rows.
 */
function splitRanges(m: number, n: number, t: number, colAlign: number, rowAlign: number): Part[] {
  const parts: Part[] = [];
  if (n >= colAlign * t) {
    const per = Math.ceil(n / t / colAlign) * colAlign;
    for (let p = 0; p < t; p++) parts.push({ i0: 0, i1: m, j0: Math.min(n, p * per), j1: Math.min(n, (p + 1) * per) });
  } else {
    const per = Math.ceil(m / t / rowAlign) * rowAlign;
    for (let p = 0; p < t; p++) parts.push({ i0: Math.min(m, p * per), i1: Math.min(m, (p + 1) * per), j0: 0, j1: n });
  }
  return parts;
}

/** Create the threaded wasm backend ('wasm-threads'). Needs shared WebAssembly memory. */
export async function createThreadedKernels(opts: ThreadedOptions = {}): Promise<ThreadedKernels> {
  const threads = Math.max(1, Math.floor(opts.threads ?? 2));
  const minFlops = opts.minFlops ?? DEFAULT_MIN_FLOPS;
  const base: WasmKernels = await createWasmKernels();
  if (!base.shared) throw new Error('wasm-threads needs shared WebAssembly memory, which this platform lacks');
  const x = base.exports;
  const nWorkers = threads - 1;
  const ctrlBlock = base.alloc(Math.max(1, nWorkers) * CTRL.INTS);
  const blocks: Int32Array[] = [];
  const fblocks: Float32Array[] = [];
  const workers: Worker[] = [];
  for (let w = 0; w < nWorkers; w++) {
    const off = ctrlBlock.byteOffset + w * CTRL.INTS * 4;
    blocks.push(new Int32Array(ctrlBlock.buffer, off, CTRL.INTS));
    fblocks.push(new Float32Array(ctrlBlock.buffer, off, CTRL.INTS));
    const worker = new Worker(new URL('./kernel-worker.js', import.meta.url), {
      workerData: { module: base.module, memory: base.memory, ctrl: off, spinMicros: opts.spinMicros ?? 200 },
    });
    worker.unref();
    workers.push(worker);
  }
  let closed = nWorkers === 0;
  let seq = 0;

  function post(w: number, op: number, args: readonly number[]): void {
    const c = blocks[w]!;
    for (let i = 0; i < args.length; i++) c[CTRL.ARGS + i] = args[i]!;
    c[CTRL.OP] = op;
    Atomics.store(c, CTRL.SEQ, seq);
    Atomics.notify(c, CTRL.SEQ);
  }
  function waitAll(): void {
    for (let w = 0; w < nWorkers; w++) {
      const c = blocks[w]!;
      let spins = 0;
      let since = 0;
      while (Atomics.load(c, CTRL.DONE) !== seq) {
        if (++spins > 20000) {
          Atomics.wait(c, CTRL.DONE, Atomics.load(c, CTRL.DONE), 1);
          if (since === 0) since = performance.now();
          else if (performance.now() - since > 60_000) {
            closed = true;
            throw new Error('a kernel worker thread did not answer for 60 s; threads are off for this backend');
          }
        }
      }
      if (c[CTRL.ERR] !== 0) {
        c[CTRL.ERR] = 0;
        throw new Error('a kernel worker thread failed (see its message above)');
      }
    }
  }

  type Fn = (m: number, n: number, k: number, a: number, b: number, c: number, acc: boolean, i0: number, i1: number, j0: number, j1: number) => void;
  function product(op: number, fn: Fn, m: number, n: number, k: number, a: number, b: number, c: number, acc: boolean, colAlign: number, rowAlign: number): void {
    if (closed || 2 * m * n * k < minFlops) {
      fn(m, n, k, a, b, c, acc, 0, m, 0, n);
      return;
    }
    const parts = splitRanges(m, n, threads, colAlign, rowAlign);
    seq = (seq + 1) | 0;
    for (let w = 0; w < nWorkers; w++) {
      const p = parts[w + 1]!;
      post(w, op, [m, n, k, a, b, c, acc ? 1 : 0, p.i0, p.i1, p.j0, p.j1]);
    }
    const p0 = parts[0]!;
    fn(m, n, k, a, b, c, acc, p0.i0, p0.i1, p0.j0, p0.j1);
    waitAll();
  }

  const ptr = base.ptr;
  const k: ThreadedKernels = {
    ...base,
    name: 'wasm-threads',
    threads,
    minFlops,
    gemm(m, n, kk, a, b, c, accumulate) {
      product(OP.GEMM, x.gemm, m, n, kk, ptr(a, m * kk), ptr(b, kk * n), ptr(c, m * n), accumulate, 8, 4);
    },
    gemmNT(m, n, kk, a, b, c, accumulate) {
      product(OP.GEMM_NT, x.gemmNT, m, n, kk, ptr(a, m * kk), ptr(b, n * kk), ptr(c, m * n), accumulate, 4, 2);
    },
    gemmTN(m, n, kk, a, b, c, accumulate) {
      product(OP.GEMM_TN, x.gemmTN, m, n, kk, ptr(a, kk * m), ptr(b, kk * n), ptr(c, m * n), accumulate, 8, 4);
    },
    close() {
      if (closed) return;
      closed = true;
      seq = (seq + 1) | 0;
      for (let w = 0; w < nWorkers; w++) post(w, OP.EXIT, []);
      for (const w of workers) void w.terminate();
    },
  };
  return k;
}

/** Backend names Node knows: the browser's three and 'wasm-threads'. */
export type NodeKernelsName = 'auto' | 'reference' | 'wasm' | 'wasm-threads';
export const nodeKernelsNames: readonly NodeKernelsName[] = ['auto', 'reference', 'wasm', 'wasm-threads'];

/**
 * The kernel backend called `name`, in Node. 'auto' is the fastest correct choice here:
 * 'wasm-threads' (2 threads) when WebAssembly SIMD and shared memory are available, else 'wasm',
 * else 'reference'. A threaded backend's workers do not keep the process alive; `close()` stops them.
 */
export async function createNodeKernels(name: NodeKernelsName | string = 'auto'): Promise<Kernels> {
  switch (name) {
    case 'reference':
      return referenceKernels;
    case 'wasm':
      return createWasmKernels();
    case 'wasm-threads':
      return createThreadedKernels();
    case 'auto':
      if (!wasmSimdSupported()) return referenceKernels;
      return wasmSharedMemorySupported() ? createThreadedKernels() : createWasmKernels();
    default:
      throw new Error(`unknown backend "${name}"; available: ${nodeKernelsNames.join(', ')}`);
  }
}
