import type { LayerSpec, RunConfig } from '../../core/config.js';
import { Rng } from '../../core/rng.js';
import { defaultJobs } from '../../node/parallel.js';
import { meanSd, textTable, type ComparedGroup } from '../../report/compare-report.js';
import { configFromFlags } from '../config-source.js';
import { formatHelp, parseFlags, UsageError, type FlagSpec, type FlagValues } from '../flags.js';
import { comparisonDir, parseMetrics, runAll, writeComparison, type Variant } from '../lab.js';
import { RUN_FLAGS } from '../train-flags.js';
import { LAB_FLAGS } from './compare.js';

/** What a sweep may search, with the run flag each sets (hidden: the hidden layers' widths). */
const SEARCHABLE: Record<string, { flag: string; int: boolean; log: boolean; help: string }> = {
  eta: { flag: 'learning-rate', int: false, log: true, help: 'learning rate η' },
  lambda: { flag: 'lambda', int: false, log: true, help: 'L2 λ' },
  l1: { flag: 'l1', int: false, log: true, help: 'L1 λ' },
  mu: { flag: 'momentum', int: false, log: false, help: 'momentum μ (switches plain SGD to momentum)' },
  'batch-size': { flag: 'batch-size', int: true, log: true, help: 'mini-batch size m' },
  hidden: { flag: 'hidden', int: true, log: true, help: 'hidden layer widths, e.g. 30,100 or 30x30 (two layers)' },
};
const ALIASES: Record<string, string> = { 'learning-rate': 'eta', l2: 'lambda', momentum: 'mu', m: 'batch-size', 'mini-batch': 'batch-size', width: 'hidden' };

export const SWEEP_FLAGS: FlagSpec[] = [
  { name: 'search', type: 'string', repeat: true, arg: 'NAME=SPEC', help: `a setting to search: NAME one of ${Object.keys(SEARCHABLE).join(', ')}; SPEC a list (0.1,0.5,1) or, with --random, a range (0.01..3; log-uniform except mu)` },
  { name: 'random', type: 'int', arg: 'N', help: 'random search: N settings drawn from the lists/ranges (default: the full grid of the lists)' },
  { name: 'search-seed', type: 'int', arg: 'S', help: 'seed of the random search draws (default 1)' },
  { name: 'top', type: 'int', arg: 'K', help: 'curves of the best K settings in the report (default 8)' },
  ...LAB_FLAGS,
  ...RUN_FLAGS,
];

const USAGE = 'usage: nnlab sweep --search NAME=SPEC [--search ...] [--random N] [--seeds N] [--jobs N] [run options]';
const DESCRIPTION =
  'Grid or random search over η, λ, μ, mini-batch size and layer widths, each run with early stopping (default --early-stopping 10), ranked on validation accuracy (the test set is never used to choose). Prints the ranking and writes a report. Example: nnlab sweep --search eta=0.1,0.5,1 --search lambda=0.5,5 --train-size 5000 --epochs 20';

type Dim = { name: string; choices?: string[]; range?: [number, number] };

/** Parse `NAME=a,b,c` or `NAME=lo..hi`. */
export function parseSearch(spec: string): Dim {
  const eq = spec.indexOf('=');
  const raw = eq > 0 ? spec.slice(0, eq) : '';
  const name = ALIASES[raw] ?? raw;
  if (!SEARCHABLE[name]) throw new UsageError(`--search: expected NAME=SPEC with NAME one of ${Object.keys(SEARCHABLE).join(', ')}, got "${spec}"`);
  const body = spec.slice(eq + 1);
  const m = /^\s*([0-9.eE+-]+)\s*\.\.\s*([0-9.eE+-]+)\s*$/.exec(body);
  if (m) {
    const lo = Number(m[1]);
    const hi = Number(m[2]);
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo > hi || lo < 0) throw new UsageError(`--search ${name}: bad range "${body}" (expected lo..hi with 0 <= lo <= hi)`);
    return { name, range: [lo, hi] };
  }
  const choices = body.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (choices.length === 0) throw new UsageError(`--search ${name}: no values`);
  for (const c of choices) {
    const ok = name === 'hidden' ? /^\d+(x\d+)*$/.test(c) && c.split('x').every((w) => Number(w) >= 1) : Number.isFinite(Number(c)) && Number(c) >= 0;
    if (!ok) throw new UsageError(`--search ${name}: bad value "${c}"${name === 'hidden' ? ' (widths like 30 or 30x30)' : ''}`);
  }
  return { name, choices };
}

/** The settings to try: the grid of the lists, or N random draws. */
export function searchPoints(dims: readonly Dim[], random: number | undefined, seed: number): Record<string, string>[] {
  if (random === undefined) {
    const ranged = dims.find((d) => d.range);
    if (ranged) throw new UsageError(`--search ${ranged.name}: a range needs --random N (a grid needs lists)`);
    let grid: Record<string, string>[] = [{}];
    for (const d of dims) grid = grid.flatMap((g) => d.choices!.map((c) => ({ ...g, [d.name]: c })));
    return grid;
  }
  const rng = new Rng(seed);
  return Array.from({ length: random }, () => {
    const p: Record<string, string> = {};
    for (const d of dims) {
      if (d.choices) p[d.name] = d.choices[Math.min(d.choices.length - 1, Math.floor(rng.uniform() * d.choices.length))]!;
      else {
        const { int, log } = SEARCHABLE[d.name]!;
        const [lo, hi] = d.range!;
        const u = rng.uniform();
        let v = log && lo > 0 ? Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo))) : lo + u * (hi - lo);
        v = int ? Math.max(1, Math.round(v)) : Number(v.toPrecision(3));
        p[d.name] = String(v);
      }
    }
    return p;
  });
}

/** Replace the hidden dense layers' widths, keeping their activation and any dropout after them. */
export function withHidden(c: RunConfig, widths: number[]): RunConfig {
  const dense = c.network.layers.filter((l): l is Extract<LayerSpec, { type: 'dense' }> => l.type === 'dense');
  if (c.network.layers.some((l) => l.type !== 'dense' && l.type !== 'dropout' && l.type !== 'activation') || dense.length < 1)
    throw new UsageError('--search hidden works on fully connected networks (--layers)');
  const out = dense[dense.length - 1]!;
  const act = dense.length > 1 ? dense[0]!.activation : 'sigmoid';
  const drop = c.network.layers.find((l): l is Extract<LayerSpec, { type: 'dropout' }> => l.type === 'dropout');
  const layers: LayerSpec[] = widths.flatMap((w) => [{ type: 'dense', units: w, ...(act ? { activation: act } : {}) } as LayerSpec, ...(drop ? [drop] : [])]);
  layers.push(out);
  return { ...c, network: { ...c.network, layers } };
}

/** A sweep point's config: run flags ← the point's values; validation monitored, early stopping on. */
export function pointConfig(runValues: FlagValues, p: Record<string, string>): RunConfig {
  const v: FlagValues = { ...runValues };
  for (const [name, val] of Object.entries(p)) if (name !== 'hidden') v[SEARCHABLE[name]!.flag] = name === 'batch-size' ? Math.round(Number(val)) : Number(val);
  if (p.mu !== undefined && (v.optimizer === undefined || v.optimizer === 'sgd')) v.optimizer = 'momentum';
  if (v['early-stopping'] === undefined) v['early-stopping'] = 10;
  const mon = new Set((v.monitor as string[] | undefined) ?? ['validation-accuracy', 'validation-cost', 'train-cost']);
  mon.add('validation-accuracy');
  mon.delete('test-accuracy');
  mon.delete('test-cost');
  mon.delete('all');
  v.monitor = [...mon];
  let c = configFromFlags(v).config;
  if (p.hidden !== undefined) c = withHidden(c, p.hidden.split('x').map(Number));
  return c;
}

export async function sweepCommand(argv: string[]): Promise<number> {
  const { values, positional } = parseFlags(argv, SWEEP_FLAGS, 'sweep');
  if (values.help) {
    process.stdout.write(formatHelp(USAGE, DESCRIPTION, SWEEP_FLAGS));
    return 0;
  }
  if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}" (see 'nnlab sweep --help')`);
  const specs = (values.search as string[] | undefined) ?? [];
  if (specs.length === 0) throw new UsageError("give at least one --search NAME=SPEC (see 'nnlab sweep --help')");
  const dims = specs.map(parseSearch);
  const random = values.random as number | undefined;
  if (random !== undefined && random < 1) throw new UsageError('--random: expected a positive integer');
  const { search: _a, random: _b, 'search-seed': _c, top: _d, seeds: _s, jobs: _j, out: _o, metrics: _m, title: _t, quiet: _q, help: _h, ...runValues } = values;
  const points = searchPoints(dims, random, (values['search-seed'] as number | undefined) ?? 1);
  const label = (p: Record<string, string>) => Object.entries(p).map(([k, v]) => `${k}=${v}`).join(' ');
  const variants: Variant[] = points.map((p) => ({ label: label(p), config: pointConfig(runValues, p) }));
  const seeds = (values.seeds as number | undefined) ?? 1;
  const jobs = (values.jobs as number | undefined) ?? defaultJobs();
  if (seeds < 1 || jobs < 1) throw new UsageError('--seeds and --jobs: expected positive integers');
  const dir = comparisonDir(values.out, 'sweep');
  const quiet = values.quiet === true;
  if (!quiet) process.stderr.write(`sweep: ${random === undefined ? 'grid' : 'random'} search, ${variants.length} setting(s) × ${seeds} seed(s), ${Math.min(jobs, variants.length * seeds)} at once, in ${dir}\n`);
  const groups = await runAll({ dir, variants, seeds, jobs, quiet, hideTest: true });
  const score = (g: ComparedGroup) => {
    const xs = g.runs.map((r) => r.bestValidationAccuracy).filter((v): v is number => v !== null);
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : -1;
  };
  const ranked = [...groups].sort((a, b) => score(b) - score(a));
  const table = {
    columns: ['rank', 'setting', 'best validation acc. %', 'epochs run', 'best epoch'],
    rows: ranked.map((g, i) => {
      const ok = g.runs.filter((r) => !r.error);
      const mean = (xs: number[]) => (xs.length ? (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(1) : 'n/a');
      const bestEpochs = ok.map((r) => {
        let best = -1;
        let at = 0;
        // the trainer's kept epoch: the last with the best validation accuracy
        for (const e of r.epochs) if (e.validationAccuracy !== null && e.validationAccuracy >= best) { best = e.validationAccuracy; at = e.epoch; }
        return at;
      });
      return [String(i + 1), g.label, ok.length ? meanSd(ok.map((r) => r.bestValidationAccuracy)) : 'failed', mean(ok.map((r) => r.epochs.length)), mean(bestEpochs)];
    }),
  };
  const top = (values.top as number | undefined) ?? 8;
  const report = writeComparison(dir, {
    title: (values.title as string | undefined) ?? `nnlab sweep: ${specs.join(', ')}`,
    description: `${random === undefined ? 'Grid' : `Random (${random} draws)`} search, ${seeds} seed(s) per setting, early stopping, ranked on best validation accuracy (the test set is not used). Curves: the best ${Math.min(top, ranked.length)} settings.`,
    createdAt: new Date().toISOString(),
    command: `nnlab sweep ${argv.join(' ')}`,
    groups: ranked.slice(0, top),
    metrics: parseMetrics(values.metrics) ?? ['validationAccuracy', 'validationCost', 'trainCost'],
    table,
  });
  process.stdout.write(textTable(table) + '\n');
  if (ranked[0] && score(ranked[0]) >= 0) process.stdout.write(`best: ${ranked[0].label} (validation accuracy ${meanSd(ranked[0].runs.map((r) => r.bestValidationAccuracy))} %)\n`);
  process.stderr.write(`sweep report ${report}\n`);
  return groups.some((g) => g.runs.some((r) => r.error)) ? 1 : 0;
}
