/**
 * A kernel worker thread for `threaded-kernels.ts`: instantiates the WebAssembly kernels over the
 * main thread's shared memory and helps with the chunks of each product announced in the
 * control block (see `kernel-protocol.ts`). It spins briefly after each product (during training
 * the next one follows within microseconds) and then sleeps in `Atomics.wait`.
 *
 * It also answers the replica mailbox (`CTRL.REPLICA_REQ`): build a copy of the network that
 * shares the main thread's weights, then compute part of each mini-batch with it (`replica.ts`).
 * Between those parts it goes on helping with products, so it is never idle while the main thread
 * sums gradients and steps the optimizer.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { instantiateKernels } from '../kernels/wasm/wasm-kernels.js';
import { claimChunks, CTRL, floatView, OP } from './kernel-protocol.js';
import { ReplicaHost } from './replica.js';

interface Init {
  module: WebAssembly.Module;
  /** Whether `module`'s products are fused (the main backend's `fma`, for the replica's `kernels.fma`). */
  fma: boolean;
  memory: WebAssembly.Memory;
  /** Byte offset of the control block. */
  ctrl: number;
  spinMicros: number;
  /** The replica mailbox's message port (network descriptions in, error messages out). */
  port: MessagePort;
}

const init = workerData as Init;
const c = new Int32Array(init.memory.buffer, init.ctrl, CTRL.INTS);
// first of all, so that however this thread ends, a waiting request learns of it
process.on('exit', () => {
  Atomics.store(c, CTRL.WORKER_GONE, 1);
  Atomics.notify(c, CTRL.REPLICA_ANS);
});
const x = instantiateKernels(init.module, init.memory);
const f = floatView(c);
const report = (e: unknown) => console.error(e);
const replica = new ReplicaHost(init.module, init.fma, init.memory, c, init.port);
Atomics.store(c, CTRL.WORKER_READY, 1);

// The block starts zeroed: a product announced before this thread got here has SEQ 2 and is not missed.
let last = 0;
let answered = 0;
for (;;) {
  // wait for a replica request or a new, completely written product (SEQ even and different from the last one)
  let seq = Atomics.load(c, CTRL.SEQ);
  if ((seq === last || seq & 1) && Atomics.load(c, CTRL.REPLICA_REQ) === answered) {
    const until = performance.now() + init.spinMicros / 1000;
    let spins = 0;
    while ((seq === last || seq & 1) && Atomics.load(c, CTRL.REPLICA_REQ) === answered) {
      if ((++spins & 255) === 0 && performance.now() > until) {
        Atomics.add(c, CTRL.SLEEPERS, 1); // before the wait: see CTRL.SLEEPERS
        Atomics.wait(c, CTRL.SEQ, seq); // a request also moves SEQ on, so none is slept through
        Atomics.sub(c, CTRL.SLEEPERS, 1);
        spins = 0;
      }
      seq = Atomics.load(c, CTRL.SEQ);
    }
  }
  const req = Atomics.load(c, CTRL.REPLICA_REQ);
  if (req !== answered) {
    replica.handle();
    answered = req;
    Atomics.store(c, CTRL.REPLICA_ANS, req);
    Atomics.notify(c, CTRL.REPLICA_ANS);
    continue;
  }
  const op = c[CTRL.OP]!, start = c[CTRL.START]!, end = c[CTRL.END]!;
  if (Atomics.load(c, CTRL.SEQ) !== seq) continue; // rewritten meanwhile: read again
  last = seq;
  if (op === OP.EXIT) break;
  claimChunks(x, c, f, op, start, end, report);
}
