import { KernelMemoryError, sparseWorkSize, type Kernels } from '../kernels.js';
import { wasmPlainBase64, wasmPlainFmaBase64, wasmSharedBase64, wasmSharedFmaBase64, wasmSharedMaxPages } from './binary.generated.js';

/**
 * The WebAssembly SIMD backend: the kernels of `assembly/*.ts` (AssemblyScript, 128-bit f32x4),
 * compiled at build time and embedded as base64. Every buffer is a `Float32Array` view of the
 * module's linear memory handed out by a bump allocator, and kernels receive the views' byte
 * offsets: no data is copied per call. Passing a `Float32Array` that is not from this backend's
 * `alloc` throws.
 *
 * Memory is shared and growable when the platform allows it (Node; cross-origin-isolated pages):
 * growth never detaches earlier views, and worker threads can instantiate the same module over
 * the same memory (see `src/node/threaded-kernels.ts`). Elsewhere an ordinary memory of fixed
 * size is used (`plainMemoryMiB`), since growing it would detach every view.
 */

/** The raw exports of the kernels module. Pointers are byte offsets; sizes in floats. */
export interface WasmExports {
  heapBase(): number;
  gemm(m: number, n: number, k: number, a: number, b: number, c: number, acc: boolean, i0: number, i1: number, j0: number, j1: number): void;
  gemmNT(m: number, n: number, k: number, a: number, b: number, c: number, acc: boolean, i0: number, i1: number, j0: number, j1: number): void;
  gemmTN(m: number, n: number, k: number, a: number, b: number, c: number, acc: boolean, i0: number, i1: number, j0: number, j1: number): void;
  gemmSparseA(m: number, n: number, k: number, a: number, ars: number, aks: number, b: number, c: number, cT: boolean, acc: boolean, work: number): void;
  /** gemmSparseA's first step: the nonzero entries of each row into `work` (with B's row length in bytes, ldb4 = 4n); returns their number. */
  sparsePack(m: number, k: number, a: number, ars: number, aks: number, work: number, ldb4: number): number;
  /** gemmSparseA's second step for rows [i0, i1) of C (i0 a multiple of 4; for threads). */
  sparseRows(m: number, n: number, k: number, b: number, c: number, cT: boolean, acc: boolean, work: number, i0: number, i1: number): void;
  addRowVector(x: number, bias: number, rows: number, cols: number): void;
  columnSums(x: number, rows: number, cols: number, out: number, scale: number, acc: boolean): void;
  im2col(x: number, xOff: number, count: number, c: number, h: number, w: number, k: number, stride: number, padY: number, padX: number, oh: number, ow: number, col: number): void;
  /** Rows [r0, r1) of im2col's column matrix (for threads). */
  im2colRows(x: number, xOff: number, count: number, c: number, h: number, w: number, k: number, stride: number, padY: number, padX: number, oh: number, ow: number, col: number, r0: number, r1: number): void;
  im2row(x: number, xOff: number, count: number, c: number, h: number, w: number, k: number, stride: number, padY: number, padX: number, oh: number, ow: number, rows: number): void;
  col2im(col: number, count: number, c: number, h: number, w: number, k: number, stride: number, padY: number, padX: number, oh: number, ow: number, dx: number, dxOff: number): void;
  /** col2im of input channels [c0, c1) only (for threads). */
  col2imChannels(col: number, count: number, c: number, h: number, w: number, k: number, stride: number, padY: number, padX: number, oh: number, ow: number, dx: number, dxOff: number, c0: number, c1: number): void;
  channelsToBatch(src: number, count: number, channels: number, plane: number, dst: number, dstOff: number): void;
  batchToChannels(src: number, srcOff: number, count: number, channels: number, plane: number, dst: number): void;
  addChannelBias(x: number, bias: number, rows: number, channels: number, plane: number): void;
  channelSums(x: number, rows: number, channels: number, plane: number, out: number, acc: boolean): void;
  maxpoolForward(x: number, planes: number, h: number, w: number, size: number, stride: number, oh: number, ow: number, y: number, arg: number): void;
  maxpoolBackward(dy: number, arg: number, planes: number, h: number, w: number, oh: number, ow: number, dx: number): void;
  avgpoolForward(x: number, planes: number, h: number, w: number, size: number, stride: number, oh: number, ow: number, y: number): void;
  avgpoolBackward(dy: number, planes: number, h: number, w: number, size: number, stride: number, oh: number, ow: number, dx: number): void;
  sigmoid(z: number, a: number, n: number): void;
  sigmoidBackward(a: number, da: number, dz: number, n: number): void;
  tanh(z: number, a: number, n: number): void;
  tanhBackward(a: number, da: number, dz: number, n: number): void;
  relu(z: number, a: number, n: number): void;
  reluBackward(z: number, da: number, dz: number, n: number): void;
  softmaxRows(z: number, a: number, rows: number, cols: number): void;
  softmaxBackwardRows(a: number, da: number, dz: number, rows: number, cols: number): void;
  mul(x: number, y: number, out: number, n: number): void;
  sub(x: number, y: number, out: number, n: number): void;
  axpy(alpha: number, x: number, y: number, n: number): void;
  scale(x: number, alpha: number, n: number): void;
  addL2Grad(w: number, g: number, c: number, n: number): void;
  addL1Grad(w: number, g: number, c: number, n: number): void;
  sgdStep(w: number, g: number, eta: number, n: number): void;
  sgdDecayStep(w: number, g: number, eta: number, c: number, n: number): void;
  momentumStep(w: number, v: number, g: number, eta: number, mu: number, n: number): void;
  nesterovStep(w: number, v: number, g: number, eta: number, mu: number, n: number): void;
  adagradStep(w: number, acc: number, g: number, eta: number, eps: number, n: number): void;
  rmspropStep(w: number, acc: number, g: number, eta: number, rho: number, eps: number, n: number): void;
  adamStep(w: number, m: number, v: number, g: number, etaT: number, b1: number, b2: number, epsT: number, n: number): void;
  bytesToFloats(src: number, n: number, scale: number, dst: number): void;
}

/** A wasm backend: the `Kernels` plus what a thread pool needs to share its memory. */
export interface WasmKernels extends Kernels {
  /**
   * True when the products' multiply-adds are fused: the FMA build (relaxed SIMD's
   * `f32x4.relaxed_madd`) on a processor that has FMA, checked when the backend is made.
   */
  readonly fma: boolean;
  /** The linear memory every buffer of this backend lives in. */
  readonly memory: WebAssembly.Memory;
  /** True when `memory` is shared (worker threads can use it). */
  readonly shared: boolean;
  /** The compiled module, to instantiate again in a worker over the same memory. */
  readonly module: WebAssembly.Module;
  readonly exports: WasmExports;
  /** Byte offset of `a` after checking that it is this backend's and holds `n` floats. */
  ptr(a: Float32Array, n: number): number;
  /** Bytes handed out by `alloc` so far. */
  allocatedBytes(): number;
  /** A view of `n` floats at byte offset `byteOffset` of the memory (a buffer another thread allocated). */
  view(byteOffset: number, n: number): Float32Array;
}

export interface WasmOptions {
  /** Use an ordinary (non-shared) memory even when shared memory is available. */
  forcePlain?: boolean;
  /** Size of the fixed, non-shared memory, in MiB (default 256). */
  plainMemoryMiB?: number;
  /**
   * The build whose matrix products use relaxed SIMD's fused multiply-add: `true` requires it
   * (throws where the engine lacks relaxed SIMD), `false` never uses it, unset (default) uses it
   * where the engine validates it. (On a processor without FMA that build multiplies and adds,
   * giving the other build's numbers; `WasmKernels.fma` is then false.) Node 20 has relaxed SIMD
   * only behind `--experimental-wasm-relaxed-simd` (`nnlab/node`'s backends turn it on:
   * `enableRelaxedSimd`).
   */
  fma?: boolean;
}

const PAGE = 65536;
const mib = (bytes: number) => (bytes / 1048576).toFixed(bytes < 1048576 ? 2 : 0);

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The four builds, decoded on first use: [shared, plain] × [mul + add, FMA]. */
const binaries = new Map<string, Uint8Array<ArrayBuffer>>();
function binary(shared: boolean, fma: boolean): Uint8Array<ArrayBuffer> {
  const key = `${shared ? 'shared' : 'plain'}${fma ? '-fma' : ''}`;
  let b = binaries.get(key);
  if (!b) binaries.set(key, (b = decodeBase64(shared ? (fma ? wasmSharedFmaBase64 : wasmSharedBase64) : fma ? wasmPlainFmaBase64 : wasmPlainBase64)));
  return b;
}
const sharedBinary = (fma = false) => binary(true, fma);
const plainBinary = (fma = false) => binary(false, fma);

/**
 * True when this engine validates the relaxed-SIMD build (its products use `f32x4.relaxed_madd`,
 * one fused multiply-add instruction on processors with FMA). Asked each time: Node can switch
 * the feature on at run time.
 */
export function wasmFmaSupported(): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(plainBinary(true));
  } catch {
    return false;
  }
}

/** True when this platform validates the SIMD build (WebAssembly with 128-bit SIMD). */
export function wasmSimdSupported(): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(plainBinary());
  } catch {
    return false;
  }
}

/** True when shared WebAssembly memories (and the threads build) are available here. */
export function wasmSharedMemorySupported(): boolean {
  try {
    if (typeof SharedArrayBuffer === 'undefined') return false;
    const m = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return m.buffer instanceof SharedArrayBuffer && WebAssembly.validate(sharedBinary());
  } catch {
    return false;
  }
}

/** Instantiate the kernels module over `memory` (used by workers, over the main thread's memory). */
export function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): WasmExports {
  const instance = new WebAssembly.Instance(module, {
    env: {
      memory,
      abort: () => {
        throw new Error('nnlab wasm kernels: abort');
      },
    },
  });
  return instance.exports as unknown as WasmExports;
}

/**
 * Kernels over a shared memory that another thread owns, allocating only inside the arena of
 * `bytes` bytes at byte offset `start` (which that thread reserved with its own `alloc`): a worker
 * thread's buffers then never collide with the owner's. Such a backend never grows the memory.
 */
export function wasmKernelsInArena(module: WebAssembly.Module, memory: WebAssembly.Memory, start: number, bytes: number, fma: boolean): WasmKernels {
  return wasmKernelsOver(instantiateKernels(module, memory), memory, module, true, fma, 'wasm', { start, end: start + bytes });
}

/** Create the WebAssembly SIMD backend. Throws if WebAssembly SIMD is not available. */
export async function createWasmKernels(opts: WasmOptions = {}): Promise<WasmKernels> {
  if (!wasmSimdSupported()) throw new Error('WebAssembly SIMD is not available on this platform');
  const shared = !opts.forcePlain && wasmSharedMemorySupported();
  const fmaAvailable = wasmFmaSupported();
  if (opts.fma === true && !fmaAvailable)
    throw new Error('the FMA build of the wasm kernels needs WebAssembly relaxed SIMD, which this engine lacks (Node 20: run node with --experimental-wasm-relaxed-simd)');
  const fma = opts.fma ?? fmaAvailable;
  let memory: WebAssembly.Memory;
  let module: WebAssembly.Module;
  if (shared) {
    module = await WebAssembly.compile(sharedBinary(fma));
    memory = new WebAssembly.Memory({ initial: 16, maximum: wasmSharedMaxPages, shared: true });
  } else {
    module = await WebAssembly.compile(plainBinary(fma));
    const pages = Math.max(16, Math.ceil(((opts.plainMemoryMiB ?? 256) * 1024 * 1024) / PAGE));
    memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  }
  const x = instantiateKernels(module, memory);
  const k = wasmKernelsOver(x, memory, module, shared, false, shared ? 'wasm' : 'wasm-plain');
  // relaxed_madd is one rounding only where the processor has FMA; elsewhere the engine multiplies
  // and adds, with exactly the numbers of the other build
  (k as { fma: boolean }).fma = fma && roundsOnce(k);
  return k;
}

/**
 * Whether `k`'s products round each multiply-add once: (−e)·e + e·e with e = 1 + 2⁻¹² is 2⁻²⁴
 * when the second product is fused with the first's rounded value, 0 when it is rounded first.
 */
function roundsOnce(k: WasmKernels): boolean {
  const e = 1 + 2 ** -12;
  const a = k.alloc(2), b = k.alloc(2), c = k.alloc(1);
  a[0] = -e;
  a[1] = e;
  b[0] = e;
  b[1] = e;
  k.gemm(1, 1, 2, a, b, c, false);
  return c[0] !== 0;
}

function wasmKernelsOver(x: WasmExports, memory: WebAssembly.Memory, module: WebAssembly.Module, shared: boolean, fma: boolean, name: string, arena?: { start: number; end: number }): WasmKernels {
  // Every ArrayBuffer object the memory has shown (a new one after each growth of a shared memory;
  // V8 may hand out a fresh object at each read of `memory.buffer`, so views are made from the
  // one object read after each growth).
  const buffers: ArrayBufferLike[] = [memory.buffer];
  let current: ArrayBufferLike = memory.buffer;
  const base = arena ? (arena.start + 63) & ~63 : (x.heapBase() + 63) & ~63;
  let top = base;
  /** Staging area for `gatherBytes` (bytes copied in row by row, converted in one call). */
  let stage: Uint8Array = new Uint8Array(0);

  /**
   * Make `current` show at least `bytes` bytes when another thread grew the memory: this thread's
   * `memory.buffer` may still report the old length until `grow(0)` refreshes it.
   */
  function reach(bytes: number): boolean {
    if (bytes <= current.byteLength) return true;
    if (shared) memory.grow(0);
    const now = memory.buffer;
    if (now.byteLength > current.byteLength) {
      current = now;
      buffers.push(current);
    }
    return bytes <= current.byteLength;
  }

  function ptr(a: Float32Array, n: number): number {
    const buf = a.buffer;
    if (buf !== current && !buffers.includes(buf))
      throw new Error(`${name} kernels: a Float32Array not allocated by this backend's alloc() was passed (use kernels.alloc for every buffer a kernel touches)`);
    if (n > a.length) throw new Error(`${name} kernels: buffer of ${a.length} floats is too small for ${n}`);
    return a.byteOffset;
  }

  /** Pooling windows must lie inside the planes (the kernels do not bounds-check each read). */
  function windows(h: number, w: number, size: number, stride: number, oh: number, ow: number): void {
    if (oh > 0 && (oh - 1) * stride + size > h) throw new Error(`${name} kernels: ${oh} pooling rows of ${size} by ${stride} do not fit in ${h}`);
    if (ow > 0 && (ow - 1) * stride + size > w) throw new Error(`${name} kernels: ${ow} pooling columns of ${size} by ${stride} do not fit in ${w}`);
  }

  const k: WasmKernels = {
    name,
    fma,
    memory,
    shared,
    module,
    exports: x,
    ptr,
    allocatedBytes: () => top - base,
    view(byteOffset, n) {
      if (byteOffset % 4 !== 0 || byteOffset < 0 || !reach(byteOffset + 4 * n)) throw new Error(`${name} kernels: no ${n} floats at byte ${byteOffset}`);
      return new Float32Array(current, byteOffset, n);
    },

    alloc(n) {
      if (!Number.isInteger(n) || n < 0) throw new Error(`${name} kernels: cannot allocate ${n} floats`);
      const start = top;
      const end = start + Math.ceil((n * 4) / 64) * 64; // not `& ~63`: that wraps at 2³² bytes
      // the most this backend's memory can hold: 2 GiB shared, the fixed size of a plain one
      const most = shared ? wasmSharedMaxPages * PAGE : current.byteLength;
      if (!arena && end > most)
        throw new KernelMemoryError(
          `out of WebAssembly memory: ${n.toLocaleString('en')} floats (${mib(n * 4)} MiB) asked, ${mib(Math.max(0, most - start))} MiB of the ${name} backend's ${mib(most)} MiB left` +
            (shared ? ' (too large a network or mini-batch)' : ' (raise plainMemoryMiB)'),
        );
      if (arena) {
        // inside a range the owning thread reserved: never grow the memory from here
        if (end > arena.end) throw new Error(`${name} kernels: the arena of ${arena.end - arena.start} bytes is full (${n} floats asked, ${arena.end - top} bytes left)`);
        if (!reach(end)) throw new Error(`${name} kernels: the arena ends at byte ${arena.end}, past the memory's ${current.byteLength} bytes`);
      }
      const have = current.byteLength;
      if (end > have) {
        const pages = Math.ceil((end - have) / PAGE); // shared here: a plain memory was refused above
        try {
          memory.grow(Math.max(pages, Math.ceil(have / PAGE / 4)));
        } catch {
          try {
            memory.grow(pages);
          } catch (e) {
            throw new KernelMemoryError(`out of WebAssembly memory: ${mib(n * 4)} MiB more could not be had (${mib(have)} MiB in use): ${(e as Error).message}`);
          }
        }
        current = memory.buffer;
        buffers.push(current);
      }
      top = end;
      return new Float32Array(current, start, n);
    },

    gemm(m, n, kk, a, b, c, accumulate) {
      x.gemm(m, n, kk, ptr(a, m * kk), ptr(b, kk * n), ptr(c, m * n), accumulate, 0, m, 0, n);
    },
    gemmNT(m, n, kk, a, b, c, accumulate) {
      x.gemmNT(m, n, kk, ptr(a, m * kk), ptr(b, n * kk), ptr(c, m * n), accumulate, 0, m, 0, n);
    },
    gemmTN(m, n, kk, a, b, c, accumulate) {
      x.gemmTN(m, n, kk, ptr(a, kk * m), ptr(b, kk * n), ptr(c, m * n), accumulate, 0, m, 0, n);
    },

    gemmSparseA(m, n, kk, a, ars, aks, b, c, cTransposed, accumulate, work) {
      if (ars < 0 || aks < 0) throw new Error(`${name} kernels: gemmSparseA strides must not be negative (got ${ars}, ${aks})`);
      if (4 * kk * n >= 2 ** 31) throw new Error(`${name} kernels: gemmSparseA's B of ${kk}×${n} floats is too large (its row offsets are 32-bit)`);
      const aEnd = m > 0 && kk > 0 ? (m - 1) * ars + (kk - 1) * aks + 1 : 0;
      x.gemmSparseA(m, n, kk, ptr(a, aEnd), ars, aks, ptr(b, kk * n), ptr(c, m * n), cTransposed, accumulate, ptr(work, sparseWorkSize(m, kk)));
    },

    addRowVector(v, bias, rows, cols) {
      x.addRowVector(ptr(v, rows * cols), ptr(bias, cols), rows, cols);
    },
    columnSums(v, rows, cols, out, scale, accumulate) {
      x.columnSums(ptr(v, rows * cols), rows, cols, ptr(out, cols), scale, accumulate);
    },

    im2col(v, xOff, count, c, h, w, kk, stride, padY, padX, oh, ow, col) {
      x.im2col(ptr(v, xOff + count * c * h * w), xOff, count, c, h, w, kk, stride, padY, padX, oh, ow, ptr(col, c * kk * kk * count * oh * ow));
    },
    im2row(v, xOff, count, c, h, w, kk, stride, padY, padX, oh, ow, rows) {
      x.im2row(ptr(v, xOff + count * c * h * w), xOff, count, c, h, w, kk, stride, padY, padX, oh, ow, ptr(rows, c * kk * kk * count * oh * ow));
    },
    col2im(col, count, c, h, w, kk, stride, padY, padX, oh, ow, dx, dxOff) {
      x.col2im(ptr(col, c * kk * kk * count * oh * ow), count, c, h, w, kk, stride, padY, padX, oh, ow, ptr(dx, dxOff + count * c * h * w), dxOff);
    },
    channelsToBatch(src, count, channels, plane, dst, dstOff) {
      const n = count * channels * plane;
      x.channelsToBatch(ptr(src, n), count, channels, plane, ptr(dst, dstOff + n), dstOff);
    },
    batchToChannels(src, srcOff, count, channels, plane, dst) {
      const n = count * channels * plane;
      x.batchToChannels(ptr(src, srcOff + n), srcOff, count, channels, plane, ptr(dst, n));
    },
    addChannelBias(v, bias, rows, channels, plane) {
      x.addChannelBias(ptr(v, rows * channels * plane), ptr(bias, channels), rows, channels, plane);
    },
    channelSums(v, rows, channels, plane, out, accumulate) {
      x.channelSums(ptr(v, rows * channels * plane), rows, channels, plane, ptr(out, channels), accumulate);
    },
    maxpoolForward(v, planes, h, w, size, stride, oh, ow, y, arg) {
      windows(h, w, size, stride, oh, ow);
      x.maxpoolForward(ptr(v, planes * h * w), planes, h, w, size, stride, oh, ow, ptr(y, planes * oh * ow), ptr(arg, planes * oh * ow));
    },
    maxpoolBackward(dy, arg, planes, h, w, oh, ow, dx) {
      x.maxpoolBackward(ptr(dy, planes * oh * ow), ptr(arg, planes * oh * ow), planes, h, w, oh, ow, ptr(dx, planes * h * w));
    },
    avgpoolForward(v, planes, h, w, size, stride, oh, ow, y) {
      windows(h, w, size, stride, oh, ow);
      x.avgpoolForward(ptr(v, planes * h * w), planes, h, w, size, stride, oh, ow, ptr(y, planes * oh * ow));
    },
    avgpoolBackward(dy, planes, h, w, size, stride, oh, ow, dx) {
      windows(h, w, size, stride, oh, ow);
      x.avgpoolBackward(ptr(dy, planes * oh * ow), planes, h, w, size, stride, oh, ow, ptr(dx, planes * h * w));
    },

    sigmoid(z, a, n) {
      x.sigmoid(ptr(z, n), ptr(a, n), n);
    },
    sigmoidBackward(a, da, dz, n) {
      x.sigmoidBackward(ptr(a, n), ptr(da, n), ptr(dz, n), n);
    },
    tanh(z, a, n) {
      x.tanh(ptr(z, n), ptr(a, n), n);
    },
    tanhBackward(a, da, dz, n) {
      x.tanhBackward(ptr(a, n), ptr(da, n), ptr(dz, n), n);
    },
    relu(z, a, n) {
      x.relu(ptr(z, n), ptr(a, n), n);
    },
    reluBackward(z, da, dz, n) {
      x.reluBackward(ptr(z, n), ptr(da, n), ptr(dz, n), n);
    },
    softmaxRows(z, a, rows, cols) {
      x.softmaxRows(ptr(z, rows * cols), ptr(a, rows * cols), rows, cols);
    },
    softmaxBackwardRows(a, da, dz, rows, cols) {
      const n = rows * cols;
      x.softmaxBackwardRows(ptr(a, n), ptr(da, n), ptr(dz, n), rows, cols);
    },

    mul(a, b, out, n) {
      x.mul(ptr(a, n), ptr(b, n), ptr(out, n), n);
    },
    sub(a, b, out, n) {
      x.sub(ptr(a, n), ptr(b, n), ptr(out, n), n);
    },
    axpy(alpha, a, b, n) {
      x.axpy(alpha, ptr(a, n), ptr(b, n), n);
    },
    scale(a, alpha, n) {
      x.scale(ptr(a, n), alpha, n);
    },

    addL2Grad(w, g, c, n) {
      x.addL2Grad(ptr(w, n), ptr(g, n), c, n);
    },
    addL1Grad(w, g, c, n) {
      x.addL1Grad(ptr(w, n), ptr(g, n), c, n);
    },
    sgdStep(w, g, eta, n) {
      x.sgdStep(ptr(w, n), ptr(g, n), eta, n);
    },
    sgdDecayStep(w, g, eta, c, n) {
      x.sgdDecayStep(ptr(w, n), ptr(g, n), eta, c, n);
    },
    momentumStep(w, v, g, eta, mu, n) {
      x.momentumStep(ptr(w, n), ptr(v, n), ptr(g, n), eta, mu, n);
    },
    nesterovStep(w, v, g, eta, mu, n) {
      x.nesterovStep(ptr(w, n), ptr(v, n), ptr(g, n), eta, mu, n);
    },
    adagradStep(w, acc, g, eta, eps, n) {
      x.adagradStep(ptr(w, n), ptr(acc, n), ptr(g, n), eta, eps, n);
    },
    rmspropStep(w, acc, g, eta, rho, eps, n) {
      x.rmspropStep(ptr(w, n), ptr(acc, n), ptr(g, n), eta, rho, eps, n);
    },
    adamStep(w, m, v, g, etaT, b1, b2, epsT, n) {
      x.adamStep(ptr(w, n), ptr(m, n), ptr(v, n), ptr(g, n), etaT, b1, b2, epsT, n);
    },

    gatherBytes(src, rows, from, count, size, scale, dst) {
      const n = count * size;
      const d = ptr(dst, n);
      if (stage.length < n) {
        const f = k.alloc(Math.ceil(n / 4));
        stage = new Uint8Array(f.buffer, f.byteOffset, n);
      }
      for (let r = 0; r < count; r++) {
        const s = rows[from + r]! * size;
        if (s < 0 || s + size > src.length) throw new Error(`${name} kernels: gatherBytes row ${rows[from + r]} is outside the ${src.length / size} rows of src`);
        stage.set(src.subarray(s, s + size), r * size); // a memcpy
      }
      x.bytesToFloats(stage.byteOffset, n, scale, d);
    },
  };
  return k;
}
