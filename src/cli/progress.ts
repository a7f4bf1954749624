import type { EpochRecord, TrainListener } from '../train/trainer.js';

const pct = (v: number | null) => (v === null ? '' : `${(100 * v).toFixed(2)}%`);
const num = (v: number | null) => (v === null ? '' : v.toFixed(4));

/** One plain line describing an epoch. */
export function formatEpoch(r: EpochRecord, epochs: number): string {
  const parts = [`epoch ${String(r.epoch).padStart(String(epochs).length)}/${epochs}`, `${r.seconds.toFixed(1)}s`, `eta ${Number(r.learningRate.toPrecision(4))}`];
  if (r.trainCost !== null || r.trainAccuracy !== null) parts.push(`train ${[num(r.trainCost), pct(r.trainAccuracy)].filter(Boolean).join(' ')}`);
  if (r.validationCost !== null || r.validationAccuracy !== null) parts.push(`validation ${[num(r.validationCost), pct(r.validationAccuracy)].filter(Boolean).join(' ')}`);
  if (r.testCost !== null || r.testAccuracy !== null) parts.push(`test ${[num(r.testCost), pct(r.testAccuracy)].filter(Boolean).join(' ')}`);
  return parts.join('  ');
}

export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * Progress on a stream (stderr): on a terminal, a bar redrawn per mini-batch (at most ~10 times a
 * second); otherwise one plain line per epoch.
 */
export function progressListener(out: ProgressStream, epochs: number, quiet = false): TrainListener {
  let last = 0;
  let epochStart = performance.now();
  const tty = !!out.isTTY;
  return {
    onBatch(epoch, batch, batches, meanCost) {
      if (quiet || !tty) return;
      const now = performance.now();
      if (batch === 1) epochStart = now;
      if (now - last < 100 && batch !== batches) return;
      last = now;
      const width = 30;
      const filled = Math.round((width * batch) / batches);
      const elapsed = (now - epochStart) / 1000;
      const eta = batch > 0 ? (elapsed * (batches - batch)) / batch : 0;
      out.write(`\r\x1b[2Kepoch ${epoch}/${epochs} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor((100 * batch) / batches)}%  cost ${meanCost.toFixed(4)}  ${eta.toFixed(0)}s left`);
    },
    onEpoch(r) {
      if (quiet) return;
      out.write((tty ? '\r\x1b[2K' : '') + formatEpoch(r, epochs) + '\n');
    },
  };
}

/** The epoch from which an accuracy still at chance level is worth a warning. */
const CHANCE_EPOCH = 3;

/**
 * One warning (even with --quiet) when, from epoch 3 on, the network's accuracy is no better
 * than guessing (at most 1.5 / classes): a network whose ReLU units have all died, or one thrown
 * about by far too large a learning rate, keeps a finite cost, so nothing else would say so.
 */
export function chanceWarning(out: ProgressStream, classes: number): TrainListener {
  let warned = false;
  return {
    onEpoch(r) {
      const acc = r.validationAccuracy ?? r.trainAccuracy ?? r.testAccuracy;
      if (warned || acc === null || r.epoch < CHANCE_EPOCH || acc > 1.5 / classes) return;
      warned = true;
      const which = r.validationAccuracy !== null ? 'validation' : r.trainAccuracy !== null ? 'training' : 'test';
      out.write(
        `nnlab: warning: ${which} accuracy ${(100 * acc).toFixed(2)} % at epoch ${r.epoch}, no better than guessing among ${classes} classes: ` +
          `the network is not learning (too large a learning rate, η = ${Number(r.learningRate.toPrecision(4))}, or ReLU units that have all died, are the usual causes; try a smaller --eta)\n`,
      );
    },
  };
}
