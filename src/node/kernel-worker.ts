/**
 * A kernel worker thread for `threaded-kernels.ts`: instantiates the WebAssembly kernels over the
 * main thread's shared memory and helps with the chunks of each product announced in the
 * control block (see `kernel-protocol.ts`). It spins briefly after each product (during training
 * the next one follows within microseconds) and then sleeps in `Atomics.wait`.
 */
import { workerData } from 'node:worker_threads';
import { instantiateKernels } from '../kernels/wasm/wasm-kernels.js';
import { claimChunks, CTRL, floatView, OP } from './kernel-protocol.js';

interface Init {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Byte offset of the control block. */
  ctrl: number;
  spinMicros: number;
}

const init = workerData as Init;
const x = instantiateKernels(init.module, init.memory);
const c = new Int32Array(init.memory.buffer, init.ctrl, CTRL.INTS);
const f = floatView(c);
const report = (e: unknown) => console.error(e);

// The block starts zeroed: a product announced before this thread got here has SEQ 2 and is not missed.
let last = 0;
for (;;) {
  // wait for a new, completely written product (SEQ even and different from the last one)
  let seq = Atomics.load(c, CTRL.SEQ);
  if (seq === last || seq & 1) {
    const until = performance.now() + init.spinMicros / 1000;
    let spins = 0;
    while (seq === last || seq & 1) {
      if ((++spins & 255) === 0 && performance.now() > until) {
        Atomics.add(c, CTRL.SLEEPERS, 1); // before the wait: see CTRL.SLEEPERS
        Atomics.wait(c, CTRL.SEQ, seq);
        Atomics.sub(c, CTRL.SLEEPERS, 1);
        spins = 0;
      }
      seq = Atomics.load(c, CTRL.SEQ);
    }
  }
  const op = c[CTRL.OP]!, start = c[CTRL.START]!, end = c[CTRL.END]!;
  if (Atomics.load(c, CTRL.SEQ) !== seq) continue; // rewritten meanwhile: read again
  last = seq;
  if (op === OP.EXIT) break;
  claimChunks(x, c, f, op, start, end, report);
}
