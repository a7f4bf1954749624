/**
 * A kernel worker thread for `threaded-kernels.ts`: instantiates the WebAssembly kernels over the
 * main thread's shared memory and runs the parts of products it is handed through a control block
 * in that memory. It spins briefly after each task (the next one usually follows within
 * microseconds during training) and then sleeps in `Atomics.wait`.
 */
import { workerData } from 'node:worker_threads';
import { instantiateKernels } from '../kernels/wasm/wasm-kernels.js';
import { CTRL, OP } from './kernel-protocol.js';

interface Init {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Byte offset of this worker's control block. */
  ctrl: number;
  spinMicros: number;
}

const init = workerData as Init;
const x = instantiateKernels(init.module, init.memory);
const ctrl = new Int32Array(init.memory.buffer, init.ctrl, CTRL.INTS);
const f32 = new Float32Array(init.memory.buffer, init.ctrl, CTRL.INTS);

function run(op: number): void {
  const a = (i: number) => ctrl[CTRL.ARGS + i]!;
  switch (op) {
    case OP.GEMM:
      x.gemm(a(0), a(1), a(2), a(3), a(4), a(5), a(6) !== 0, a(7), a(8), a(9), a(10));
      break;
    case OP.GEMM_NT:
      x.gemmNT(a(0), a(1), a(2), a(3), a(4), a(5), a(6) !== 0, a(7), a(8), a(9), a(10));
      break;
    case OP.GEMM_TN:
      x.gemmTN(a(0), a(1), a(2), a(3), a(4), a(5), a(6) !== 0, a(7), a(8), a(9), a(10));
      break;
    case OP.SGD:
      x.sgdStep(a(0), a(1), f32[CTRL.ARGS + 2]!, a(3));
      break;
    default:
      throw new Error(`kernel worker: unknown op ${op}`);
  }
}

// The block starts zeroed: a task posted before this thread got here has SEQ 1 and is not missed.
let last = 0;
for (;;) {
  let seq = Atomics.load(ctrl, CTRL.SEQ);
  if (seq === last) {
    const until = performance.now() + init.spinMicros / 1000;
    let spins = 0;
    while (seq === last) {
      if ((++spins & 255) === 0 && performance.now() > until) {
        Atomics.wait(ctrl, CTRL.SEQ, last);
        spins = 0;
      }
      seq = Atomics.load(ctrl, CTRL.SEQ);
    }
  }
  last = seq;
  const op = Atomics.load(ctrl, CTRL.OP);
  if (op === OP.EXIT) break;
  try {
    run(op);
  } catch (e) {
    Atomics.store(ctrl, CTRL.ERR, 1);
    console.error(e);
  }
  Atomics.store(ctrl, CTRL.DONE, seq);
  Atomics.notify(ctrl, CTRL.DONE);
}
