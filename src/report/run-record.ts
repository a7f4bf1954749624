import type { RunConfig } from '../core/config.js';
import type { EpochRecord, RunResult } from '../train/trainer.js';

/** A histogram of one weight tensor: `counts[i]` weights fall in [edges[i], edges[i+1]). */
export interface WeightHistogram {
  /** The parameter's name, e.g. "0.dense.weights". */
  name: string;
  shape: number[];
  count: number;
  edges: number[];
  counts: number[];
  /** Fraction of weights with |w| < 1e-3: L1 drives many weights to (nearly) zero. */
  nearZero: number;
  /** Mean |w| and root-mean-square w: L2 shrinks them all. */
  meanAbs: number;
  rms: number;
  maxAbs: number;
}

/** One misclassified test example: its index in the test set, true label and predicted label. */
export interface Misclassified {
  index: number;
  label: number;
  predicted: number;
}

/** What the kept network does on the test set, computed once after training. */
export interface TestAnalysis {
  classes: number;
  count: number;
  correct: number;
  /** confusion[true][predicted] = number of test examples. */
  confusion: number[][];
  /** Per-example shape of the images, e.g. [1, 28, 28]. */
  imageShape: number[];
  /** The first misclassified examples, in test-set order. */
  misclassified: Misclassified[];
  /** Their pixels, one byte each (0–255), concatenated in the same order, base64-encoded. */
  pixels: string;
}

/** Everything a run report shows: the pure input of `runReportHtml`. */
export interface RunRecord {
  /** A name for the run (its folder's name). */
  name: string;
  /** ISO time the record was made. */
  createdAt: string;
  config: RunConfig;
  epochs: EpochRecord[];
  result: Omit<RunResult, 'config' | 'epochs'>;
  test: TestAnalysis | null;
  weights: WeightHistogram[];
}

/** The per-epoch series a report can plot, by EpochRecord field. */
export const SERIES_FIELDS = ['trainCost', 'validationCost', 'testCost', 'trainAccuracy', 'validationAccuracy', 'testAccuracy', 'learningRate'] as const;
export type SeriesField = (typeof SERIES_FIELDS)[number];

/** Human names for the series. */
export const SERIES_LABELS: Record<SeriesField, string> = {
  trainCost: 'training cost',
  validationCost: 'validation cost',
  testCost: 'test cost',
  trainAccuracy: 'training accuracy',
  validationAccuracy: 'validation accuracy',
  testAccuracy: 'test accuracy',
  learningRate: 'learning rate η',
};
