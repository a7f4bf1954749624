import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { sparseWorkSize, type Kernels } from '../kernels/kernels.js';
import { referenceKernels } from '../kernels/reference.js';
import { createWasmKernels, wasmSimdSupported, type WasmKernels } from '../kernels/wasm/wasm-kernels.js';
import { claimChunks, CTRL, floatView, OP, replicaCostView } from './kernel-protocol.js';
import { enableRelaxedSimd } from './relaxed-simd.js';

/**
 * The WebAssembly SIMD backend on several cores: worker threads instantiate the same kernels over
 * the same shared memory, and a matrix product with at least `minFlops` floating-point operations
 * is cut into one column (or row) range a thread, which the main thread and the workers claim
 * (see `kernel-protocol.ts`): a worker the OS does not schedule in time leaves its range to the
 * main thread. One range a thread, rather than more and smaller ones, was measured faster (MLP at
 * mini-batch 100: 0.32 against 0.35 s an epoch with 8): each thread then works on the same part of
 * W every call, and that part stays in its core's cache. `gemmSparseA` lists the nonzeros on the
 * main thread (`sparsePack`), then splits its rows in groups of 4. The convolution helpers (im2col,
 * im2row, col2im), max-pooling, ReLU and the optimizer steps are split the same way (by rows,
 * examples, channels, planes or elements) when they touch at least `minFloats` floats. Smaller calls and all other kernels run
 * inline on the main thread, where handing work over would cost more than it saves.
 *
 * Reproducibility: the wasm kernels compute each element of a product by one fixed sequence of
 * operations whatever range it falls in, so results are bit-for-bit those of the single-threaded
 * backend, for any thread count.
 */
export interface ThreadedKernels extends WasmKernels {
  readonly threads: number;
  /** Products of at least this many flops (2·m·n·k) are split across threads. */
  readonly minFlops: number;
  /**
   * The mailbox to the worker thread for work larger than one kernel (a network replica that
   * takes part of every mini-batch: `data-parallel.ts`). Null unless there is exactly one worker.
   */
  readonly replica: ReplicaChannel | null;
  /** Stop the worker threads (the backend then runs everything inline). */
  close(): void;
}

/** See `ThreadedKernels.replica` and `CTRL.REPLICA_REQ`. */
export interface ReplicaChannel {
  /** Send a message (structured clone) that the worker reads when it handles the next request. */
  post(message: unknown): void;
  /**
   * Take the worker's replica for one training: returns the byte offset of a region of at least
   * `bytes` bytes of the shared memory for its buffers (the last training's region when large
   * enough, so that trainings one after another do not grow the memory). Throws while another
   * training holds it.
   */
  acquire(bytes: number): number;
  /** Give the replica back (its training has ended). */
  release(): void;
  /**
   * Ask the worker for request `kind` (a `REPLICA` value) with integer `args`, run `meanwhile` on
   * this thread (it may call the kernels; they run inline meanwhile, the worker being busy), then wait for the
   * answer and return its float64 result. Throws the worker's error if the request failed there.
   */
  request(kind: number, args: readonly number[], meanwhile?: () => void): number;
}

export interface ThreadedOptions {
  /** Threads including the main one (default 2). */
  threads?: number;
  /** Split products of at least this many flops (default 1e6, measured by `npm run bench`). */
  minFlops?: number;
  /** Split im2col, im2row, col2im, pooling, ReLU and optimizer steps that touch at least this many floats (default 32768). */
  minFloats?: number;
  /** How long a worker spins waiting for the next task before it sleeps (µs, default 200). */
  spinMicros?: number;
  /** The backend's name (default 'wasm-threads'). */
  name?: string;
  /** The FMA build or not (`WasmOptions.fma`; default: where the engine has relaxed SIMD). */
  fma?: boolean;
}

/** Default split threshold; see bench/results.md for the measurements behind it. */
export const DEFAULT_MIN_FLOPS = 1e6;

/** Default size from which the non-product kernels are split. */
export const DEFAULT_MIN_FLOATS = 1 << 15;

/** Create the threaded wasm backend ('wasm-threads'). Needs shared WebAssembly memory. */
export async function createThreadedKernels(opts: ThreadedOptions = {}): Promise<ThreadedKernels> {
  const threads = Math.max(1, Math.floor(opts.threads ?? 2));
  const minFlops = opts.minFlops ?? DEFAULT_MIN_FLOPS;
  const minFloats = opts.minFloats ?? DEFAULT_MIN_FLOATS;
  if (opts.fma !== false) enableRelaxedSimd();
  const base: WasmKernels = await createWasmKernels({ fma: opts.fma });
  if (!base.shared) throw new Error('wasm-threads needs shared WebAssembly memory, which this platform lacks');
  const x = base.exports;
  const nWorkers = threads - 1;
  const block = base.alloc(CTRL.INTS);
  const c = new Int32Array(block.buffer, block.byteOffset, CTRL.INTS);
  const cf = floatView(c);
  const workers: Worker[] = [];
  const ports: MessagePort[] = [];
  for (let w = 0; w < nWorkers; w++) {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(new URL('./kernel-worker.js', import.meta.url), {
      workerData: { module: base.module, fma: base.fma, memory: base.memory, ctrl: block.byteOffset, spinMicros: opts.spinMicros ?? 200, port: port2 },
      transferList: [port2],
    });
    worker.unref();
    port1.unref();
    workers.push(worker);
    ports.push(port1);
  }
  let closed = nWorkers === 0;
  /** > 0 while the worker works on its own (a replica request): every kernel then runs inline. */
  let alone = 0;
  let seq = 0;
  let mainError: unknown = null;
  const onError = (e: unknown) => {
    mainError ??= e;
  };

  /** Announce a product (or EXIT) under the sequence lock. */
  function announce(op: number, fields: readonly number[], start: number, end: number, per: number, byCols: boolean, extent = 0, floats: readonly number[] = []): void {
    Atomics.store(c, CTRL.SEQ, ++seq); // odd: writing
    c[CTRL.OP] = op;
    c[CTRL.START] = start;
    c[CTRL.END] = end;
    c[CTRL.PER] = per;
    c[CTRL.BYCOLS] = byCols ? 1 : 0;
    c[CTRL.EXTENT] = extent;
    for (let i = 0; i < fields.length; i++) c[CTRL.ARGS + i] = fields[i]!;
    for (let i = 0; i < floats.length; i++) cf[CTRL.ARGS + fields.length + i] = floats[i]!; // after the ints
    Atomics.store(c, CTRL.SEQ, ++seq); // even: complete
    if (Atomics.load(c, CTRL.SLEEPERS) !== 0) Atomics.notify(c, CTRL.SEQ); // wake only sleepers (see CTRL.SLEEPERS)
  }

  type Fn = (m: number, n: number, k: number, a: number, b: number, c: number, acc: boolean, i0: number, i1: number, j0: number, j1: number) => void;
  function product(op: number, fn: Fn, m: number, n: number, k: number, a: number, b: number, out: number, acc: boolean, colAlign: number, rowAlign: number, preferRows = false): void {
    if (closed || alone > 0 || 2 * m * n * k < minFlops || m * n === 0) {
      fn(m, n, k, a, b, out, acc, 0, m, 0, n);
      return;
    }
    // chunks of columns aligned to the tile width when C is wide enough, else of rows (or rows first
    // when asked: a dense layer's dW = δᵀA by rows = units, the same units as its forward's columns, so
    // each core keeps its own part of W and dW in its cache from step to step)
    const byCols = preferRows && m >= rowAlign * threads ? false : n >= colAlign * threads;
    const extent = byCols ? n : m, align = byCols ? colAlign : rowAlign;
    const per = Math.ceil(extent / threads / align) * align;
    const chunks = Math.ceil(extent / per);
    const start = Atomics.load(c, CTRL.NEXT);
    const end = start + chunks;
    announce(op, [m, n, k, a, b, out, acc ? 1 : 0], start, end, per, byCols);
    finish(op, start, end);
  }

  /** Run `op` over `extent` items in one range a thread (see `runChunk` for each op's fields). */
  function ranges(op: number, fields: readonly number[], extent: number, floats: readonly number[] = []): void {
    const per = Math.ceil(extent / Math.min(threads, extent));
    const chunks = Math.ceil(extent / per);
    const start = Atomics.load(c, CTRL.NEXT);
    const end = start + chunks;
    announce(op, fields, start, end, per, false, extent, floats);
    finish(op, start, end);
  }

  /** Take chunks of the announced op until none is left, then wait for the ones the workers hold. */
  function finish(op: number, start: number, end: number): void {
    claimChunks(x, c, cf, op, start, end, onError);
    let spins = 0;
    while (Atomics.load(c, CTRL.DONE) !== end) {
      if (++spins > 4096) {
        const d = Atomics.load(c, CTRL.DONE);
        if (d !== end) Atomics.wait(c, CTRL.DONE, d, 0.05);
      }
    }
    if (c[CTRL.ERR] !== 0) {
      c[CTRL.ERR] = 0;
      const e = mainError;
      mainError = null;
      throw e ?? new Error('a kernel worker thread failed (see its message above)');
    }
  }

  const answer = replicaCostView(c);
  let requests = 0;
  let region: Float32Array | null = null;
  let held = false;
  const replica: ReplicaChannel | null =
    nWorkers !== 1
      ? null
      : {
          post(message) {
            ports[0]!.postMessage(message);
          },
          acquire(bytes) {
            if (held) throw new Error("the worker thread's replica is in use by another training on this backend (one data-parallel training at a time)");
            if (!region || 4 * region.length < bytes) region = base.alloc(Math.ceil(bytes / 4));
            held = true;
            return region.byteOffset;
          },
          release() {
            held = false;
          },
          request(kind, args, meanwhile) {
            if (closed) throw new Error('the kernel worker thread was stopped (close() was called)');
            c[CTRL.REPLICA_KIND] = kind;
            for (let i = 0; i < args.length; i++) c[CTRL.REPLICA_ARGS + i] = args[i]!;
            c[CTRL.REPLICA_ERR] = 0;
            Atomics.store(c, CTRL.REPLICA_REQ, ++requests);
            // an empty op under a new SEQ wakes a worker waiting for products; it finds the request
            // first (and the op is not left as whatever came before, EXIT in a fresh block)
            const next = Atomics.load(c, CTRL.NEXT);
            announce(OP.NONE, [], next, next, 1, false);
            // the worker is busy with its part: splitting products now would only add the hand-over
            let failed: { error: unknown } | null = null;
            alone++;
            try {
              meanwhile?.();
            } catch (error) {
              failed = { error }; // thrown once the worker has answered, so no request overlaps another
            } finally {
              alone--;
            }
            let spins = 0;
            let deadline = 0;
            while (Atomics.load(c, CTRL.REPLICA_ANS) !== requests) {
              if (Atomics.load(c, CTRL.WORKER_GONE) !== 0) {
                if (failed) throw failed.error;
                throw new Error('the training worker thread has stopped; the request was not answered');
              }
              if (++spins > 4096) {
                if (Atomics.load(c, CTRL.WORKER_READY) === 0) {
                  // a worker that failed to load never sets READY (nor GONE): give it a minute to start
                  deadline ||= performance.now() + 60_000;
                  if (performance.now() > deadline) throw new Error('the training worker thread did not start within a minute');
                }
                Atomics.wait(c, CTRL.REPLICA_ANS, requests - 1, 1);
              }
            }
            if (failed) {
              if (c[CTRL.REPLICA_ERR] !== 0) receiveMessageOnPort(ports[0]!); // the worker's own error: not left for the next request
              throw failed.error;
            }
            if (c[CTRL.REPLICA_ERR] !== 0) {
              const why = receiveMessageOnPort(ports[0]!)?.message;
              throw new Error(`the training worker thread failed: ${typeof why === 'string' ? why : 'no message'}`);
            }
            return answer[0]!;
          },
        };

  const ptr = base.ptr;
  const k: ThreadedKernels = {
    ...base,
    name: opts.name ?? 'wasm-threads',
    threads,
    minFlops,
    replica,
    gemm(m, n, kk, a, b, c, accumulate) {
      product(OP.GEMM, x.gemm, m, n, kk, ptr(a, m * kk), ptr(b, kk * n), ptr(c, m * n), accumulate, 8, 4);
    },
    gemmNT(m, n, kk, a, b, c, accumulate) {
      product(OP.GEMM_NT, x.gemmNT, m, n, kk, ptr(a, m * kk), ptr(b, n * kk), ptr(c, m * n), accumulate, 4, 2);
    },
    gemmTN(m, n, kk, a, b, c, accumulate) {
      product(OP.GEMM_TN, x.gemmTN, m, n, kk, ptr(a, kk * m), ptr(b, kk * n), ptr(c, m * n), accumulate, 8, 4, true);
    },
    gemmSparseA(m, n, kk, a, ars, aks, b, cc, cT, accumulate, work) {
      if (closed || alone > 0 || 2 * m * n * kk < minFlops || m < 8 || kk <= 0 || ars < 0 || aks < 0) return base.gemmSparseA(m, n, kk, a, ars, aks, b, cc, cT, accumulate, work);
      const pa = ptr(a, (m - 1) * ars + (kk - 1) * aks + 1), pb = ptr(b, kk * n), pc = ptr(cc, m * n), pw = ptr(work, sparseWorkSize(m, kk));
      const nonzero = x.sparsePack(m, kk, pa, ars, aks, pw, 4 * n);
      if (2 * nonzero > m * kk) {
        // mostly nonzero: the one-thread backend's dense loops, split as the products are where
        // they are one (same values); a transposed C with accumulate goes on to the sparse rows,
        // as it does there
        if (!cT) return aks === 1 && ars === kk ? k.gemm(m, n, kk, a, b, cc, accumulate) : base.gemmSparseA(m, n, kk, a, ars, aks, b, cc, cT, accumulate, work);
        if (ars === 1 && !accumulate) return aks === m ? k.gemmTN(n, m, kk, b, a, cc, false) : base.gemmSparseA(m, n, kk, a, ars, aks, b, cc, cT, accumulate, work);
      }
      if (2 * nonzero * n < minFlops) return x.sparseRows(m, n, kk, pb, pc, cT, accumulate, pw, 0, m);
      ranges(OP.SPARSE, [m, n, kk, pb, pc, cT ? 1 : 0, accumulate ? 1 : 0, pw], Math.ceil(m / 4));
    },
    im2row(v, xOff, count, cc, h, w, kk, stride, padY, padX, oh, ow, rows) {
      const n = cc * kk * kk * count * oh * ow;
      if (closed || alone > 0 || n < minFloats || count < 2) return base.im2row(v, xOff, count, cc, h, w, kk, stride, padY, padX, oh, ow, rows);
      ranges(OP.IM2ROW, [ptr(v, xOff + count * cc * h * w), xOff, count, cc, h, w, kk, stride, padY, padX, oh, ow, ptr(rows, n)], count);
    },
    im2col(v, xOff, count, cc, h, w, kk, stride, padY, padX, oh, ow, col) {
      const rows = cc * kk * kk, n = rows * count * oh * ow;
      if (closed || alone > 0 || n < minFloats || rows < 2) return base.im2col(v, xOff, count, cc, h, w, kk, stride, padY, padX, oh, ow, col);
      ranges(OP.IM2COL, [ptr(v, xOff + count * cc * h * w), xOff, count, cc, h, w, kk, stride, padY, padX, oh, ow, ptr(col, n)], rows);
    },
    col2im(col, count, cc, h, w, kk, stride, padY, padX, oh, ow, dx, dxOff) {
      const n = cc * kk * kk * count * oh * ow;
      if (closed || alone > 0 || n < minFloats || cc < 2) return base.col2im(col, count, cc, h, w, kk, stride, padY, padX, oh, ow, dx, dxOff);
      ranges(OP.COL2IM, [ptr(col, n), count, cc, h, w, kk, stride, padY, padX, oh, ow, ptr(dx, dxOff + count * cc * h * w), dxOff], cc);
    },
    maxpoolForward(v, planes, h, w, size, stride, oh, ow, y, arg) {
      if (closed || alone > 0 || planes * h * w < minFloats || planes < 2) return base.maxpoolForward(v, planes, h, w, size, stride, oh, ow, y, arg);
      base.maxpoolForward(v, 0, h, w, size, stride, oh, ow, y, arg); // the single-threaded checks, on no planes
      const no = planes * oh * ow;
      ranges(OP.MAXPOOL, [ptr(v, planes * h * w), h, w, size, stride, oh, ow, ptr(y, no), ptr(arg, no)], planes);
    },
    maxpoolBackward(dy, arg, planes, h, w, oh, ow, dx) {
      if (closed || alone > 0 || planes * h * w < minFloats || planes < 2) return base.maxpoolBackward(dy, arg, planes, h, w, oh, ow, dx);
      const no = planes * oh * ow;
      ranges(OP.MAXPOOL_BACK, [ptr(dy, no), ptr(arg, no), h, w, oh, ow, ptr(dx, planes * h * w)], planes);
    },
    relu(z, a, n) {
      if (closed || alone > 0 || n < minFloats) return base.relu(z, a, n);
      ranges(OP.RELU, [ptr(z, n), ptr(a, n)], n, []);
    },
    reluBackward(z, da, dz, n) {
      if (closed || alone > 0 || n < minFloats) return base.reluBackward(z, da, dz, n);
      ranges(OP.RELU_BACK, [ptr(z, n), ptr(da, n), ptr(dz, n)], n, []);
    },
    sgdStep(w, g, eta, n) {
      if (closed || alone > 0 || n < minFloats) return base.sgdStep(w, g, eta, n);
      ranges(OP.SGD, [ptr(w, n), ptr(g, n)], n, [eta]);
    },
    sgdDecayStep(w, g, eta, cc, n) {
      if (closed || alone > 0 || n < minFloats) return base.sgdDecayStep(w, g, eta, cc, n);
      ranges(OP.SGD_DECAY, [ptr(w, n), ptr(g, n)], n, [eta, cc]);
    },
    momentumStep(w, v, g, eta, mu, n) {
      if (closed || alone > 0 || n < minFloats) return base.momentumStep(w, v, g, eta, mu, n);
      ranges(OP.MOMENTUM, [ptr(w, n), ptr(v, n), ptr(g, n)], n, [eta, mu]);
    },
    axpy(alpha, v, y, n) {
      if (closed || alone > 0 || n < minFloats) return base.axpy(alpha, v, y, n);
      ranges(OP.AXPY, [ptr(v, n), ptr(y, n)], n, [alpha]);
    },
    close() {
      if (closed) return;
      closed = true;
      const next = Atomics.load(c, CTRL.NEXT);
      announce(OP.EXIT, [], next, next, 1, true);
      for (const w of workers) void w.terminate();
    },
  };
  return k;
}

/**
 * Backend names Node knows: the browser's three, 'wasm-threads' (each large kernel split across
 * two threads) and 'wasm-dp' (the same kernels, and training shares each mini-batch between the
 * two threads: `data-parallel.ts`).
 */
export type NodeKernelsName = 'auto' | 'reference' | 'wasm' | 'wasm-threads' | 'wasm-dp';
export const nodeKernelsNames: readonly NodeKernelsName[] = ['auto', 'reference', 'wasm', 'wasm-threads', 'wasm-dp'];

/**
 * From this mini-batch size up, 'auto' trains data-parallel ('wasm-dp'). Measured by `npm run bench`
 * on the AMD EPYC machine, 2026-12-04 (s per epoch, wasm-threads against wasm-dp): MLP at
 * mini-batch 100 0.34 / 0.29, CNN at 64 13.5 / 11.9 and 13.9 / 13.0 in two runs; but MLP at
 * mini-batch 10 0.34 / 0.48 (halves of 5 rows are too small to pay for the hand-over).
 * Networks with convolutions train data-parallel from 2 examples a mini-batch: the bench of
 * 2026-12-05 (Intel Xeon, FMA build) gave the chapter-6 CNN at mini-batch 10 9.44 s an epoch on
 * wasm-threads and 7.85 s on wasm-dp (10.7 / 8.71 with the mul + add build).
 */
export const DATA_PARALLEL_MIN_BATCH = 32;

/** What 'auto' may know of the training it is for. */
export interface KernelsHint {
  /** The training's mini-batch size. */
  batchSize?: number;
  /** Whether the network has convolution layers. */
  convolutional?: boolean;
  /** Whether the training draws one dropout mask a mini-batch (`regularization.dropoutMask` 'batch'). */
  dropoutPerBatch?: boolean;
}

/**
 * Whether 'auto' trains data-parallel for a training described by `hint` (on a machine with two
 * cores). Never with one dropout mask a mini-batch: the worker's half would draw a mask of its own.
 */
export function prefersDataParallel(hint: KernelsHint): boolean {
  if (hint.dropoutPerBatch === true) return false;
  const m = hint.batchSize ?? 0;
  return m >= DATA_PARALLEL_MIN_BATCH || (hint.convolutional === true && m >= 2);
}

/**
 * The kernel backend called `name`, in Node. 'auto' is the fastest correct choice measured on the
 * target machine (bench/results.md): 'wasm-threads' with one thread a core (at most 2) when the
 * machine has two or more and shared WebAssembly memory works ('wasm-dp' instead when `hint` says
 * the training's mini-batches have at least DATA_PARALLEL_MIN_BATCH examples, or at least 2 for a
 * network with convolutions: `prefersDataParallel`), else 'wasm' when WebAssembly SIMD
 * does, else 'reference'. On a machine that other jobs keep busy, the second thread waits for a
 * core and `--backend wasm` can be faster. A threaded backend's workers do not keep the process
 * alive; `close()` stops them.
 */
export async function createNodeKernels(name: NodeKernelsName | string = 'auto', hint: KernelsHint = {}, opts: { fma?: boolean } = {}): Promise<Kernels> {
  if (name !== 'reference' && opts.fma !== false) enableRelaxedSimd();
  const fma = opts.fma === undefined ? {} : { fma: opts.fma };
  switch (name) {
    case 'reference':
      return referenceKernels;
    case 'wasm':
      return createWasmKernels(fma);
    case 'wasm-threads':
      return createThreadedKernels(fma);
    case 'wasm-dp':
      return createThreadedKernels({ threads: 2, name: 'wasm-dp', ...fma });
    case 'auto': {
      if (!wasmSimdSupported()) return referenceKernels;
      if (availableParallelism() >= 2) {
        try {
          // a training of large mini-batches, or of a convolutional network, shares each one between the threads
          return await createNodeKernels(prefersDataParallel(hint) ? 'wasm-dp' : 'wasm-threads', {}, opts);
        } catch {
          // no shared memory or workers here: one thread
        }
      }
      return createWasmKernels(fma);
    }
    default:
      throw new Error(`unknown backend "${name}"; available: ${nodeKernelsNames.join(', ')}`);
  }
}
