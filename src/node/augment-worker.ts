/**
 * The augmentation worker thread (started by `WorkerEpochSource`): it distorts a whole epoch of
 * training images into a shared buffer while the main thread trains on the previous epoch.
 * Messages in: `{ epoch, slot }`; out: `{ epoch }` when done, or `{ error }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AugmentPipeline, distortExamples, epochRng } from '../data/augment/index.js';
import type { ExampleSet } from '../data/dataset.js';

/** What `WorkerEpochSource` hands the worker when it starts it. */
export interface AugmentWorkerData {
  /** The training pixels (a shared copy). */
  pixels: SharedArrayBuffer;
  bytes: boolean;
  count: number;
  shape: number[];
  spec: string;
  seed: number;
  /** Two output buffers, each the size of `pixels`: epoch e is written to slot `e % 2`. */
  slots: [SharedArrayBuffer, SharedArrayBuffer];
}

const d = workerData as AugmentWorkerData;
const view = (b: SharedArrayBuffer) => (d.bytes ? new Uint8Array(b) : new Float32Array(b));
const train: ExampleSet = { pixels: view(d.pixels), labels: new Uint8Array(d.count), count: d.count, shape: d.shape };
const pipeline = AugmentPipeline.fromSpec(d.spec, d.shape);
const outs = d.slots.map(view);
const scratch = new Float32Array(pipeline.size);

parentPort!.on('message', (m: { epoch: number; slot: 0 | 1 }) => {
  try {
    distortExamples(train, pipeline, epochRng(d.seed, m.epoch), outs[m.slot]!, 0, train.count, scratch);
    parentPort!.postMessage({ epoch: m.epoch });
  } catch (e) {
    parentPort!.postMessage({ epoch: m.epoch, error: e instanceof Error ? e.message : String(e) });
  }
});
