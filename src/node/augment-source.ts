import { Worker } from 'node:worker_threads';
import { NnlabError } from '../core/errors.js';
import type { RunConfig } from '../core/config.js';
import { AugmentPipeline, augmentSeed, type EpochSource } from '../data/augment/index.js';
import type { ExampleSet } from '../data/dataset.js';
import type { AugmentWorkerData } from './augment-worker.js';

/**
 * On-the-fly augmentation prepared off the training thread: a worker distorts epoch e + 1's images
 * into one of two shared buffers while the trainer uses epoch e's from the other. Epoch e's images
 * come from `epochRng(seed, e)` in example order, exactly as `AugmentedEpochs` makes them on the
 * training thread, so a run is the same, bit for bit, with or without the worker.
 */
export class WorkerEpochSource implements EpochSource {
  private readonly worker: Worker;
  private readonly sets: [ExampleSet, ExampleSet];
  private readonly waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private readonly done = new Map<number, string | null>();
  private readonly requested = new Set<number>();
  private failed: Error | null = null;
  private closed = false;

  /**
   * @param train the training set (its pixels are copied once into shared memory)
   * @param spec the augmentation spec (parsed here first, so a bad spec fails before any thread starts)
   * @param seed the augmentation seed (`augmentSeed(config.seed)`)
   * @param lastEpoch no epoch after this one is prepared in advance
   */
  constructor(readonly train: ExampleSet, spec: string, readonly seed: number, readonly lastEpoch = Infinity) {
    AugmentPipeline.fromSpec(spec, train.shape);
    const bytes = train.pixels instanceof Uint8Array;
    const share = () => new SharedArrayBuffer(train.pixels.byteLength);
    const pixels = share();
    (bytes ? new Uint8Array(pixels) : new Float32Array(pixels)).set(train.pixels);
    const slots: [SharedArrayBuffer, SharedArrayBuffer] = [share(), share()];
    const view = (b: SharedArrayBuffer) => (bytes ? new Uint8Array(b) : new Float32Array(b));
    this.sets = slots.map((b) => ({ pixels: view(b), labels: train.labels, count: train.count, shape: train.shape })) as [ExampleSet, ExampleSet];
    const workerData: AugmentWorkerData = { pixels, bytes, count: train.count, shape: [...train.shape], spec, seed, slots };
    this.worker = new Worker(new URL('./augment-worker.js', import.meta.url), { workerData });
    this.worker.unref();
    this.worker.on('message', (m: { epoch: number; error?: string }) => {
      this.done.set(m.epoch, m.error ?? null);
      const w = this.waiting.get(m.epoch);
      if (w) {
        this.waiting.delete(m.epoch);
        if (m.error) w.reject(new NnlabError(`augmentation worker, epoch ${m.epoch}: ${m.error}`));
        else w.resolve();
      }
    });
    this.worker.on('error', (e) => this.fail(new NnlabError(`augmentation worker failed: ${e.message}`)));
    this.worker.on('exit', (code) => {
      if (!this.closed) this.fail(new NnlabError(`augmentation worker exited early (code ${code})`));
    });
    // epoch 1 starts at once, while the caller builds the network
    this.request(1);
  }

  private fail(e: Error): void {
    this.failed = e;
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }

  private request(epoch: number): void {
    if (this.requested.has(epoch) || epoch > this.lastEpoch) return;
    this.requested.add(epoch);
    this.worker.postMessage({ epoch, slot: epoch % 2 });
  }

  /**
   * Epoch `epoch`'s distorted training set; asks the worker for the next epoch's at once. Epochs
   * must be asked for in order (the buffer of epoch e − 1 is reused for epoch e + 1).
   */
  async epoch(epoch: number): Promise<ExampleSet> {
    if (this.closed) throw new NnlabError('augmentation worker: already closed');
    if (this.failed) throw this.failed;
    this.request(epoch);
    if (!this.done.has(epoch)) {
      // keep the process alive only while the trainer waits for the worker
      this.worker.ref();
      try {
        await new Promise<void>((resolve, reject) => this.waiting.set(epoch, { resolve, reject }));
      } finally {
        this.worker.unref();
      }
    }
    const error = this.done.get(epoch);
    if (error) throw new NnlabError(`augmentation worker, epoch ${epoch}: ${error}`);
    this.done.delete(epoch);
    this.requested.delete(epoch);
    this.request(epoch + 1);
    return this.sets[epoch % 2]!;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker.terminate();
  }
}

/**
 * The worker-backed augmentation for a run whose config asks for it (`data.augment`), else
 * undefined. Uses the trainer's seed derivation, so results equal the training-thread version's.
 */
export function workerAugmentation(config: RunConfig, train: ExampleSet): WorkerEpochSource | undefined {
  if (!config.data.augment) return undefined;
  return new WorkerEpochSource(train, config.data.augment, augmentSeed(config.seed), config.epochs);
}
