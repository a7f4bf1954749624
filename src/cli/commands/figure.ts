import type { PartialRunConfig } from '../../core/config.js';
import { defaultJobs } from '../../node/parallel.js';
import { summaryTable, textTable, type ComparedGroup } from '../../report/compare-report.js';
import { textChart } from '../../report/text-chart.js';
import { FIGURES, findFigure, trainSingleNeuron, type Figure } from '../../train/figures.js';
import { resolveConfig } from '../../train/resolve.js';
import { kernelsFor } from '../backend.js';
import { formatHelp, parseFlags, UsageError, type FlagSpec, type FlagValues } from '../flags.js';
import { comparisonDir, parseMetrics, runAll, writeComparison, type Variant } from '../lab.js';
import { flagsToConfig, RUN_FLAGS } from '../train-flags.js';
import { LAB_FLAGS } from './compare.js';

export const FIGURE_FLAGS: FlagSpec[] = [
  { name: 'list', type: 'boolean', help: 'list the figures, one a line' },
  { name: 'quick', type: 'boolean', help: 'a quick version: fewer epochs and/or less data (to try a figure out)' },
  ...LAB_FLAGS,
  ...RUN_FLAGS.filter((f) => f.name !== 'preset' && f.name !== 'config'),
];

const USAGE = 'usage: nnlab figure NAME [--quick] [--seeds N] [--jobs N] [--out DIR] [run options]   |   nnlab figure --list';
const DESCRIPTION =
  "Reproduce one of chapter 3's figures as a comparison report: its runs are trained in parallel (each with its own run folder) and their curves overlaid. Run options given here override every run of the figure (e.g. --epochs 50).";

/** The figure list as text. */
export function figureList(): string {
  const w = Math.max(...FIGURES.map((f) => f.name.length));
  return FIGURES.map((f) => `${f.name.padEnd(w)}  ${f.title} [${f.book}; ${f.kind === 'neuron' ? 'in-process, seconds' : `${f.runs.length} run${f.runs.length > 1 ? 's' : ''}`}]`).join('\n');
}

/** The runs of a training figure as resolved configs: figure config ← --quick ← flags given. */
export function figureVariants(f: Extract<Figure, { kind: 'train' }>, quick: boolean, flags: FlagValues): Variant[] {
  return f.runs.map((r) => {
    const base = resolveConfig(r.config, quick ? f.quick : undefined);
    const { expectedInputSize: _e, ...over } = flagsToConfig(flags, base.network.layers);
    return { label: r.label, config: resolveConfig(base, over as PartialRunConfig) };
  });
}

function positiveInt(v: unknown, flag: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new UsageError(`--${flag}: expected a positive integer, got ${String(v)}`);
  return v;
}

export async function figureCommand(argv: string[]): Promise<number> {
  const { values, positional } = parseFlags(argv, FIGURE_FLAGS, 'figure');
  if (values.help) {
    process.stdout.write(formatHelp(USAGE, DESCRIPTION, FIGURE_FLAGS) + '\nFigures:\n' + figureList() + '\n');
    return 0;
  }
  if (values.list) {
    process.stdout.write(figureList() + '\n');
    return 0;
  }
  if (positional.length !== 1) throw new UsageError(`give one figure name (see 'nnlab figure --list')`);
  const f = findFigure(positional[0]!);
  if (!f) throw new UsageError(`unknown figure "${positional[0]}"; known figures: ${FIGURES.map((x) => x.name).join(', ')}`);
  const quick = values.quick === true;
  const { list: _l, quick: _q, seeds: _s, jobs: _j, out: _o, metrics: _m, title: _t, quiet: _qq, help: _h, ...runValues } = values;
  const dir = comparisonDir(values.out, `figure-${f.name}${quick ? '-quick' : ''}`);
  const metrics = parseMetrics(values.metrics) ?? f.metrics;
  const title = (values.title as string | undefined) ?? `${f.title}${quick ? ' (quick)' : ''}`;
  const createdAt = new Date().toISOString();
  const command = `nnlab figure ${argv.join(' ')}`;

  if (f.kind === 'neuron') {
    if (Object.keys(runValues).length) throw new UsageError(`figure ${f.name} takes no run options (it is one neuron, no data)`);
    const kernels = await kernelsFor('auto');
    const runs = f.runs.map((r) => ({ r, ...trainSingleNeuron({ ...r, epochs: quick ? f.quickEpochs : r.epochs }, kernels) }));
    const groups: ComparedGroup[] = runs.map(({ r, epochs }) => ({ label: r.label, config: null, runs: [{ seed: 0, link: null, epochs, testAccuracy: null, bestValidationAccuracy: null }] }));
    const table = {
      columns: ['start', 'cost at epoch 1', 'cost at the end', 'output a at the end', 'w', 'b'],
      rows: runs.map(({ r, epochs, outputs, w, b }) => [r.label, epochs[0]!.trainCost!.toFixed(4), epochs[epochs.length - 1]!.trainCost!.toFixed(4), outputs[outputs.length - 1]!.toFixed(4), w.toFixed(3), b.toFixed(3)]),
    };
    const report = writeComparison(dir, { title, description: f.description, createdAt, command, groups, metrics, table });
    process.stdout.write(textTable(table) + '\n');
    for (const { r, epochs } of runs) process.stdout.write('\n' + textChart(epochs.map((e) => e.trainCost), { title: `${r.label}: cost per epoch`, height: 5, width: 60 }) + '\n');
    process.stderr.write(`figure report ${report}\n`);
    return 0;
  }

  const variants = figureVariants(f, quick, runValues);
  const seeds = positiveInt(values.seeds, 'seeds', 1);
  const jobs = positiveInt(values.jobs, 'jobs', defaultJobs());
  const silent = values.quiet === true;
  if (!silent) process.stderr.write(`figure ${f.name}: ${variants.length} run(s) × ${seeds} seed(s), ${Math.min(jobs, variants.length * seeds)} at once, in ${dir}\n`);
  const groups = await runAll({ dir, variants, seeds, jobs, quiet: silent });
  const table = summaryTable(groups);
  const report = writeComparison(dir, { title, description: `${f.description} (book: ${f.book})`, createdAt, command, groups, metrics, ...(f.versus ? { versus: f.versus } : {}) });
  process.stdout.write(textTable(table) + '\n');
  process.stderr.write(`figure report ${report}\n`);
  return groups.some((g) => g.runs.some((r) => r.error)) ? 1 : 0;
}
