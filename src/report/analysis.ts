import { sizeOf } from '../core/shape.js';
import type { ExampleSet } from '../data/dataset.js';
import type { Param } from '../layers/layer.js';
import type { Network } from '../network/network.js';
import { argmax, Evaluator } from '../train/evaluate.js';
import { toBase64 } from './base64.js';
import type { TestAnalysis, WeightHistogram } from './run-record.js';

/**
 * Run the network (its kept weights) over the test set once and record the confusion matrix and
 * the first `maxDigits` misclassified examples with their pixels (as bytes, base64).
 */
export function analyzeTestSet(net: Network, test: ExampleSet, classes: number, maxDigits = 48): TestAnalysis {
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const misclassified: TestAnalysis['misclassified'] = [];
  const cols = net.outputSize;
  const evaluation = new Evaluator(net, classes).evaluate(test, false, (start, count, out) => {
    for (let r = 0; r < count; r++) {
      const label = test.labels[start + r]!;
      const predicted = argmax(out, r * cols, cols);
      confusion[label]![predicted]!++;
      if (predicted !== label && misclassified.length < maxDigits) misclassified.push({ index: start + r, label, predicted });
    }
  });
  const size = sizeOf(test.shape);
  const bytes = new Uint8Array(misclassified.length * size);
  const px = test.pixels;
  misclassified.forEach((m, k) => {
    const src = m.index * size;
    if (px instanceof Uint8Array) bytes.set(px.subarray(src, src + size), k * size);
    else for (let i = 0; i < size; i++) bytes[k * size + i] = Math.max(0, Math.min(255, Math.round(px[src + i]! * 255)));
  });
  return {
    classes,
    count: evaluation.count,
    correct: evaluation.correct,
    confusion,
    imageShape: [...test.shape],
    misclassified,
    pixels: toBase64(bytes),
  };
}

/** Histogram of a list of numbers over [-maxAbs, maxAbs] in `bins` equal bins, with summary numbers. */
export function histogram(name: string, shape: readonly number[], values: Float32Array, bins = 41): WeightHistogram {
  const n = values.length;
  let maxAbs = 0;
  let sumAbs = 0;
  let sumSq = 0;
  let near = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    const a = Math.abs(v);
    if (a > maxAbs) maxAbs = a;
    sumAbs += a;
    sumSq += v * v;
    if (a < 1e-3) near++;
  }
  const hi = maxAbs > 0 ? maxAbs : 1;
  const width = (2 * hi) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => -hi + i * width);
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < n; i++) counts[Math.min(bins - 1, Math.max(0, Math.floor((values[i]! + hi) / width)))]!++;
  return {
    name,
    shape: [...shape],
    count: n,
    edges,
    counts,
    nearZero: n ? near / n : 0,
    meanAbs: n ? sumAbs / n : 0,
    rms: n ? Math.sqrt(sumSq / n) : 0,
    maxAbs,
  };
}

/** Histograms of every regularized parameter (the weights; biases are not regularized). */
export function weightHistograms(params: readonly Param[], bins = 41): WeightHistogram[] {
  return params.filter((p) => p.decay).map((p) => histogram(p.name, p.shape, p.value.subarray(0, p.size), bins));
}
