/**
 * The messages between the lab page (web/lab.ts) and its training worker (web/worker.ts).
 * Everything here is structured-clone friendly: plain objects, numbers, strings and buffers.
 */
import type { EpochRecord, RunConfig, RunResult } from '../src/index.js';

/** Page → worker. */
export type ToWorker =
  /** Train a network with a resolved config (the page resolves and validates it first). */
  { type: 'train'; config: RunConfig };

/** Worker → page. */
export type FromWorker =
  /** What the worker is doing before training starts (downloading, parsing). */
  | { type: 'status'; text: string }
  /** The kernel backend the worker trains with. */
  | { type: 'backend'; name: string; note: string }
  | { type: 'start'; batchesPerEpoch: number; parameters: number; trainCount: number; validationCount: number; testCount: number }
  /** At most every ~50 ms, and at the last mini-batch of an epoch. */
  | { type: 'batch'; epoch: number; batch: number; batches: number; meanCost: number }
  | { type: 'epoch'; record: EpochRecord }
  /** `model` holds the bytes of `encodeModel` (an nnlab network file). */
  | { type: 'end'; result: RunResult; model: ArrayBuffer }
  | { type: 'error'; message: string };
