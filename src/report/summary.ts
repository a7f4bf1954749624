import type { EpochRecord } from '../train/trainer.js';
import { textChart } from './text-chart.js';

/**
 * The terminal chart shown at the end of a run: validation accuracy per epoch (or, when that is
 * not monitored, test accuracy, then training accuracy, then training cost). '' if nothing was
 * monitored per epoch.
 */
export function endOfRunChart(epochs: readonly EpochRecord[], width = 60): string {
  const choices: [keyof EpochRecord, string, boolean][] = [
    ['validationAccuracy', 'validation accuracy', true],
    ['testAccuracy', 'test accuracy', true],
    ['trainAccuracy', 'training accuracy', true],
    ['validationCost', 'validation cost', false],
    ['trainCost', 'training cost', false],
  ];
  for (const [field, name, acc] of choices) {
    const values = epochs.map((e) => e[field] as number | null);
    if (values.every((v) => v === null)) continue;
    return textChart(acc ? values.map((v) => (v === null ? null : 100 * v)) : values, {
      title: `${name} per epoch${acc ? ' (%)' : ''}`,
      width,
      height: 8,
      format: acc ? (v) => v.toFixed(2) : (v) => v.toPrecision(4),
    });
  }
  return '';
}
