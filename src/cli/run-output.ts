import { RunFolder } from '../node/run-folder.js';
import type { TrainListener } from '../train/trainer.js';
import type { FlagSpec, FlagValues } from './flags.js';
import { UsageError } from './flags.js';

/** Where a run's folder goes (train; compare/sweep/figure choose per-run folders themselves). */
export const RUN_OUTPUT_FLAGS: FlagSpec[] = [
  { name: 'out', type: 'string', arg: 'DIR', help: 'write the run folder here (config.json, metrics.jsonl/.csv, model.nnlab, result.json, report.html); default: runs/<time>[-preset]/' },
  { name: 'no-run-folder', type: 'boolean', help: 'write no run folder (only what --save asks for)' },
];

/** The run folder the flags ask for, or null with --no-run-folder. */
export function openRunFolder(v: FlagValues, label?: string): RunFolder | null {
  if (v['no-run-folder'] === true) {
    if (v.out !== undefined) throw new UsageError('give either --out or --no-run-folder, not both');
    return null;
  }
  try {
    return RunFolder.create({ ...(v.out !== undefined ? { out: String(v.out) } : {}), ...(label ? { label } : {}) });
  } catch (e) {
    throw new UsageError(`--out: ${(e as Error).message}`);
  }
}

/** One listener that calls each of several in turn (awaiting async onEpoch). */
export function combineListeners(...ls: (TrainListener | undefined)[]): TrainListener {
  const all = ls.filter((l): l is TrainListener => l !== undefined);
  return {
    onStart: (info) => all.forEach((l) => l.onStart?.(info)),
    onBatch: (e, b, n, c) => all.forEach((l) => l.onBatch?.(e, b, n, c)),
    onEpoch: async (r) => {
      for (const l of all) await l.onEpoch?.(r);
    },
    onLastWeights: (n, e) => all.forEach((l) => l.onLastWeights?.(n, e)),
    onSnapshot: (n, k, e) => all.forEach((l) => l.onSnapshot?.(n, k, e)),
    onEnd: (r) => all.forEach((l) => l.onEnd?.(r)),
  };
}
