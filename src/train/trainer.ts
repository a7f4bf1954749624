import type { RunConfig } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { sizeOf } from '../core/shape.js';
import { costByName } from '../costs/index.js';
import { fillBatch, type ExampleSet, type Splits } from '../data/dataset.js';
import { AugmentedEpochs, augmentSeed, AugmentPipeline, type EpochSource } from '../data/augment/index.js';
import type { Kernels } from '../kernels/kernels.js';
import type { Param } from '../layers/layer.js';
import { Network } from '../network/network.js';
import { optimizerFor } from '../optimizers/index.js';
import { regularizersFor, type Regularizer } from '../regularizers/index.js';
import { EarlyStopping } from './early-stopping.js';
import { Evaluator } from './evaluate.js';
import { serialGradient, type BatchGradient } from './gradient.js';
import { scheduleFor } from './schedule.js';

/** One epoch's record: the `--json` fields. Accuracies are fractions; a monitor that is off gives null. */
export interface EpochRecord {
  /** 1-based. */
  epoch: number;
  /** Wall time of the epoch's training (evaluation excluded). */
  seconds: number;
  learningRate: number;
  trainCost: number | null;
  trainAccuracy: number | null;
  validationCost: number | null;
  validationAccuracy: number | null;
  testCost: number | null;
  testAccuracy: number | null;
  /** With weight averaging (`config.averageFrom`): how many epochs' weights the evaluated mean holds (absent before averaging starts). */
  averaged?: number;
}

export interface RunResult {
  config: RunConfig;
  epochs: EpochRecord[];
  /**
   * Test accuracy of the weights kept at the end: those of the epoch with the best validation
   * accuracy when validation accuracy is monitored (the chapter-6 rule; on a tie the later epoch,
   * as network3.py), else the last epoch's.
   */
  testAccuracy: number;
  testCost: number;
  /** Test accuracy of the last epoch's weights. */
  finalTestAccuracy: number;
  bestValidationAccuracy: number | null;
  /** The 1-based epoch with the best validation accuracy, the last of them on a tie (null if not monitored). */
  bestEpoch: number | null;
  /** Total wall time, evaluation included. */
  seconds: number;
  /** The kernel backend that ran it ('wasm-threads', 'wasm', 'reference', ...): `config.backend` resolved. */
  backend: string;
  /** Whether the backend's matrix products used fused multiply-adds (`Kernels.fma`): the last bits of every number depend on it (absent in runs recorded before it existed). */
  fma?: boolean;
  parameters: number;
  /** Why training ended before `epochs`, if it did. */
  stopReason: string | null;
  /** Set when the cost became NaN or infinite; the network holds the last good weights. */
  diverged: string | null;
}

/** What a trainer tells its listeners. The training loop never prints. */
export interface TrainListener {
  onStart?(info: { config: RunConfig; batchesPerEpoch: number; parameters: number; trainCount: number }): void;
  onBatch?(epoch: number, batch: number, batches: number, meanCost: number): void;
  /** May be async: the loop awaits it (a browser page can repaint here). */
  onEpoch?(record: EpochRecord): void | Promise<void>;
  /**
   * After the last epoch, with the network still holding that epoch's weights, and only when other
   * weights (the best epoch's on validation) are about to be restored and kept.
   */
  onLastWeights?(network: Network, epoch: number): void;
  /** At the end of each cycle of a schedule with restarts (cycle 1-based), with that epoch's weights (the evaluated ones). */
  onSnapshot?(network: Network, cycle: number, epoch: number): void;
  onEnd?(result: RunResult): void;
}

export interface TrainOptions {
  config: RunConfig;
  data: Splits;
  kernels: Kernels;
  listener?: TrainListener;
  /** Continue from an existing network instead of building one from the config. */
  network?: Network;
  /**
   * Each epoch's training examples (e.g. freshly distorted copies, made in a worker thread). Default:
   * `config.data.augment`'s distortions made on this thread, or the training set itself.
   */
  epochData?: EpochSource;
  /**
   * How each mini-batch's gradient is computed, e.g. shared between threads
   * (`dataParallelGradient` in Node). Default: the whole batch on this thread. The trainer closes it.
   */
  gradient?: (net: Network, batchSize: number, classes: number) => BatchGradient;
}

function snapshot(params: readonly Param[]): Float32Array[] {
  return params.map((p) => p.value.slice(0, p.size));
}
function restore(params: readonly Param[], saved: Float32Array[]): void {
  params.forEach((p, i) => p.value.set(saved[i]!));
}
function allFinite(a: Float32Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}
/** λ: L2's (0 without); n: the training-set size. L2's factor (1 − ηλ/n) overshoots zero once ηλ/n ≥ 1. */
function divergedMessage(epoch: number, what: string, eta: number, lambda: number, n: number): string {
  const decay = (eta * lambda) / n;
  const cause =
    decay >= 1
      ? `L2's decay factor 1 − ηλ/n is ${(1 - decay).toPrecision(3)} (η = ${eta}, λ = ${lambda}): ηλ/n must stay under 1; try a smaller --lambda`
      : `The learning rate (η = ${eta}) is probably too high; try a smaller --learning-rate`;
  return `training diverged in epoch ${epoch}, ${what}. ${cause}. The last good weights (${epoch === 1 ? 'the initial ones' : `end of epoch ${epoch - 1}`}) are kept.`;
}

/** Build the network a config describes, for inputs of `inputShape`. */
export function buildNetwork(config: RunConfig, inputShape: readonly number[], classes: number, kernels: Kernels, rng: Rng): Network {
  const net = new Network({
    inputShape,
    layers: config.network.layers,
    cost: costByName(config.cost),
    init: config.network.init,
    kernels,
    rng,
    dropoutPerBatch: config.regularization.dropoutMask === 'batch',
  });
  if (net.outputSize !== classes)
    throw new ConfigError('network.layers', `a last layer with ${classes} outputs (the data has ${classes} classes: its training labels run 0..${classes - 1})`, `${net.outputSize} outputs`);
  return net;
}

/**
 * Train a network with mini-batch stochastic gradient descent, as the book's network2.SGD does:
 * each epoch, shuffle the training set (unless `data.order` is `fixed`, as network3.py), and
 * for each mini-batch of m examples compute the mean gradient by backpropagation, add the
 * regularizers' terms and let the optimizer step.
 */
export async function train(opts: TrainOptions): Promise<{ network: Network; result: RunResult }> {
  const { config, data, kernels } = opts;
  if (config.fma === false && kernels.fma === true)
    throw new ConfigError('fma', `kernels without fused multiply-adds (e.g. createWasmKernels({ fma: false })) for a config with fma false`, `the ${kernels.name} backend's FMA build`);
  const L = opts.listener ?? {};
  const rng = new Rng(config.seed);
  const initRng = rng.fork();
  const shuffleRng = rng.fork();
  const net = opts.network ?? buildNetwork(config, data.train.shape, data.classes, kernels, initRng);
  const params = net.params();
  const optimizer = optimizerFor(config.optimizer, kernels);
  const regularizers: Regularizer[] = regularizersFor(config.regularization);
  // L2 applied by the optimizer where it has `stepDecayed` (SGD: folded into one pass; AdamW: decoupled)
  const folded = optimizer.stepDecayed ? (regularizers.find((r) => r.weightDecay) ?? null) : null;
  const gradientTerms = regularizers.filter((r) => r !== folded);
  const schedule = scheduleFor(config.schedule, config.learningRate, config.epochs);
  const early = new EarlyStopping(config.earlyStopping.patience);
  const evaluator = new Evaluator(net, data.classes);
  const train: ExampleSet = data.train;
  const n = train.count; // the book's n: training-set size, in λ/n
  const m = config.batchSize;
  const inSize = sizeOf(train.shape);
  const classes = data.classes;
  const x = kernels.alloc(m * inSize);
  const y = kernels.alloc(m * classes);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const batches = Math.ceil(n / m);
  const epochData = opts.epochData ?? (config.data.augment ? new AugmentedEpochs(train, AugmentPipeline.fromSpec(config.data.augment, train.shape), augmentSeed(config.seed)) : null);
  net.ensureCapacity(m);
  const gradient = opts.gradient ? opts.gradient(net, m, classes) : serialGradient(net, classes);

  const penalty = () => regularizers.reduce((s, r) => s + r.penalty(params, n), 0);
  const epochs: EpochRecord[] = [];
  let best: Float32Array[] | null = null;
  let bestAcc = -1;
  let bestEpoch: number | null = null;
  let stopReason: string | null = null;
  let diverged: string | null = null;
  // Weight averaging: the running mean of the end-of-epoch weights from epoch `averageFrom` on,
  // and a place for the weights training goes on from while the mean is in the network.
  const averageFrom = config.averageFrom ?? 0;
  const mean = averageFrom > 0 ? params.map((p) => kernels.alloc(p.size)) : null;
  const trained = averageFrom > 0 ? params.map((p) => new Float32Array(p.size)) : null;
  let averaged = 0;
  let meanIn = false; // the network holds the mean, `trained` the weights to train on
  const t0 = performance.now();
  L.onStart?.({ config, batchesPerEpoch: batches, parameters: net.parameterCount(), trainCount: n });

  try {
    for (let epoch = 1; epoch <= config.epochs; epoch++) {
      const eta = schedule.rate();
      if (meanIn) {
        restore(params, trained!);
        meanIn = false;
      }
      const lastGood = snapshot(params);
      const te = performance.now();
      if (config.data.order !== 'fixed') shuffleRng.shuffle(order); // network3.py: the same order every epoch
      const epochTrain = epochData ? await epochData.epoch(epoch) : train;
      let costSum = 0;
      let seen = 0;
      for (let b = 0; b < batches; b++) {
        const from = b * m;
        const count = Math.min(m, n - from);
        fillBatch(epochTrain, order, from, count, x, y, classes, kernels);
        const c = gradient.compute(x, y, count);
        if (!Number.isFinite(c)) {
          restore(params, lastGood);
          diverged = divergedMessage(epoch, `mini-batch ${b + 1} of ${batches}: the cost became ${c}`, eta, config.regularization.l2, n);
          break;
        }
        costSum += c;
        seen += count;
        for (const r of gradientTerms) r.addGradient(params, n, kernels);
        if (folded) optimizer.stepDecayed!(params, eta, folded.weightDecay!(n));
        else optimizer.step(params, eta);
        for (const r of regularizers) r.project?.(params);
        L.onBatch?.(epoch, b + 1, batches, costSum / seen);
      }
      // The last mini-batch's update is not seen by any cost: check the weights it left.
      if (!diverged && !params.every((p) => allFinite(p.value, p.size))) {
        restore(params, lastGood);
        diverged = divergedMessage(epoch, 'the weights became NaN or infinite', eta, config.regularization.l2, n);
      }
      if (diverged) break;
      const seconds = (performance.now() - te) / 1000;
      if (mean && epoch >= averageFrom) {
        // SWA: w̄ ← w̄ + (w − w̄)/k over the k end-of-epoch weights so far; the mean is what is evaluated and kept
        averaged++;
        params.forEach((p, i) => {
          if (averaged === 1) mean[i]!.set(p.value.subarray(0, p.size));
          else {
            kernels.scale(mean[i]!, (averaged - 1) / averaged, p.size);
            kernels.axpy(1 / averaged, p.value, mean[i]!, p.size);
          }
          trained![i]!.set(p.value.subarray(0, p.size));
          p.value.set(mean[i]!.subarray(0, p.size));
        });
        meanIn = true;
      }

      const due = epoch % config.monitor.interval === 0 || epoch === config.epochs;
      const mon = due ? config.monitor : { trainCost: false, trainAccuracy: false, validationCost: false, validationAccuracy: false, testCost: false, testAccuracy: false };
      const pen = mon.trainCost || mon.validationCost || mon.testCost ? penalty() : 0;
      const tr = mon.trainCost || mon.trainAccuracy ? evaluator.evaluate(train, mon.trainCost) : null;
      const va = (mon.validationCost || mon.validationAccuracy) && data.validation.count > 0 ? evaluator.evaluate(data.validation, mon.validationCost) : null;
      const ts = mon.testCost || mon.testAccuracy ? evaluator.evaluate(data.test, mon.testCost) : null;
      const rec: EpochRecord = {
        epoch,
        seconds,
        learningRate: eta,
        trainCost: tr && mon.trainCost ? tr.cost + pen : null,
        trainAccuracy: tr && mon.trainAccuracy ? tr.accuracy : null,
        validationCost: va && mon.validationCost ? va.cost + pen : null,
        validationAccuracy: va && mon.validationAccuracy ? va.accuracy : null,
        testCost: ts && mon.testCost ? ts.cost + pen : null,
        testAccuracy: ts && mon.testAccuracy ? ts.accuracy : null,
        ...(meanIn ? { averaged } : {}),
      };
      epochs.push(rec);
      // Early stopping and the plateau schedule count strict improvements only; the weights kept
      // are those of the *last* epoch with the best validation accuracy, as network3.py's
      // `if validation_accuracy >= best_validation_accuracy` (chapter 6): on a tie the later,
      // longer-trained epoch replaces the earlier one.
      const vAcc = rec.validationAccuracy;
      const improved = vAcc !== null && vAcc > bestAcc;
      if (vAcc !== null && vAcc >= bestAcc) {
        bestAcc = vAcc;
        bestEpoch = epoch;
        best = snapshot(params);
      }
      await L.onEpoch?.(rec);
      const cycle = schedule.cycleEnd?.(epoch) ?? null;
      if (cycle !== null) L.onSnapshot?.(net, cycle, epoch);
      const measured = rec.validationAccuracy === null ? null : improved; // null: not measured this epoch
      const sched = schedule.endEpoch(epoch, measured);
      if (early.update(measured)) {
        stopReason = `early stopping: no improvement in validation accuracy for ${config.earlyStopping.patience} epochs`;
        break;
      }
      if (sched.stop) {
        stopReason = sched.reason ?? 'schedule ended training';
        break;
      }
    }
  } finally {
    gradient.close?.();
  }

  const final = evaluator.evaluate(data.test, true);
  if (best) {
    const lastEpoch = epochs.at(-1)!.epoch; // a best epoch means at least one epoch ran
    if (lastEpoch !== bestEpoch) L.onLastWeights?.(net, lastEpoch);
    restore(params, best);
  }
  const kept = best ? evaluator.evaluate(data.test, true) : final;
  const result: RunResult = {
    config,
    epochs,
    testAccuracy: kept.accuracy,
    testCost: kept.cost + penalty(),
    finalTestAccuracy: final.accuracy,
    bestValidationAccuracy: bestEpoch === null ? null : bestAcc,
    bestEpoch,
    seconds: (performance.now() - t0) / 1000,
    backend: kernels.name,
    fma: kernels.fma === true,
    parameters: net.parameterCount(),
    stopReason,
    diverged,
  };
  L.onEnd?.(result);
  return { network: net, result };
}
