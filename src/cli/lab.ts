import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunConfig } from '../core/config.js';
import { writeFileAtomic } from '../node/atomic.js';
import { runJsonChild, runPool } from '../node/parallel.js';
import { reportAssets } from '../node/report-assets.js';
import { timestamp } from '../node/run-folder.js';
import { comparisonReportHtml, type ComparedGroup, type ComparedRun, type ComparisonInput } from '../report/compare-report.js';
import type { SeriesField } from '../report/run-record.js';
import type { RunResult } from '../train/trainer.js';
import { parseFlags, UsageError, type FlagValues } from './flags.js';
import { RUN_FLAGS } from './train-flags.js';

/** One setting of a comparison: a label and the full config its runs use (seeds vary). */
export interface Variant {
  label: string;
  config: RunConfig;
}

/** The nnlab CLI script, run as child processes. */
const MAIN_JS = fileURLToPath(new URL('./main.js', import.meta.url));

/** Greek letters that labels use for the book's parameters, spelt out in folder names. */
const GREEK: Record<string, string> = { λ: 'lambda', η: 'eta', μ: 'mu', ρ: 'rho', β: 'beta', ε: 'epsilon', σ: 'sigma', α: 'alpha' };

/** A label safe as a folder name: "λ = 0.1" → "lambda=0.1" (not "=_0.1", as it once was). */
export function slug(label: string): string {
  return (
    label
      .replace(/[λημρβεσα]/g, (c) => GREEK[c]!)
      .replace(/\s*=\s*/g, '=')
      .replace(/[^A-Za-z0-9.=_-]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 80) || 'run'
  );
}

/** `--out DIR`, or a fresh `runs/<kind>-<time>`. */
export function comparisonDir(out: unknown, kind: string): string {
  const dir = out !== undefined ? String(out) : join('runs', `${kind}-${timestamp()}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Parse `--vary NAME=V1,V2,...` (values split on ';' instead when any is present, for list
 * values such as `layers=784,30,10;784,100,10`). NAME is any run flag; each value is checked as
 * that flag would be. Returns the flag's canonical name and the parsed values.
 */
export function parseVary(spec: string): { name: string; values: FlagValues[string][]; texts: string[] } {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new UsageError(`--vary: expected NAME=V1,V2,... (e.g. lambda=0,0.1,5), got "${spec}"`);
  const key = spec.slice(0, eq).replace(/^--/, '');
  const flag = RUN_FLAGS.find((f) => f.name === key || f.aliases?.includes(key));
  if (!flag) throw new UsageError(`--vary: "${key}" is not a run flag; any of ${RUN_FLAGS.map((f) => f.name).join(', ')}`);
  const rest = spec.slice(eq + 1);
  const texts = (rest.includes(';') ? rest.split(';') : flag.type === 'list' ? [rest] : rest.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  if (texts.length === 0) throw new UsageError(`--vary ${key}: no values`);
  const values = texts.map((t) => parseFlags([`--${flag.name}`, t], RUN_FLAGS, 'compare').values[flag.name]);
  return { name: flag.name, values, texts };
}

/** Every combination of the --vary lists (a grid), as flag overrides with a label. */
export function varyGrid(specs: readonly string[]): { label: string; overrides: FlagValues }[] {
  let grid: { label: string; overrides: FlagValues }[] = [{ label: '', overrides: {} }];
  for (const s of specs) {
    const { name, values, texts } = parseVary(s);
    grid = grid.flatMap((g) => values.map((v, i) => ({ label: `${g.label}${g.label ? ' ' : ''}${name}=${texts[i]}`, overrides: { ...g.overrides, [name]: v } })));
  }
  return grid;
}

export interface RunAllOptions {
  dir: string;
  variants: readonly Variant[];
  /** Seeds per variant: config.seed, config.seed + 1, ... */
  seeds: number;
  jobs: number;
  quiet: boolean;
  /** Leave test accuracy out of the progress lines (a sweep chooses on validation only). */
  hideTest?: boolean;
}

/**
 * Train every variant with every seed as `nnlab train --json` child processes, at most `jobs` at
 * once, each writing its run folder to `<dir>/<label>/seed-<s>`. Failed runs are recorded with
 * their error, not thrown.
 */
export async function runAll(o: RunAllOptions): Promise<ComparedGroup[]> {
  const tasks = o.variants.flatMap((v, vi) => Array.from({ length: o.seeds }, (_, k) => ({ v, vi, seed: v.config.seed + k })));
  const used = new Map<string, number>();
  const folders = o.variants.map((v) => {
    const base = slug(v.label);
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    const dir = join(o.dir, n === 1 ? base : `${base}-${n}`);
    mkdirSync(dir, { recursive: true });
    const cfg = join(dir, 'variant-config.json');
    writeFileAtomic(cfg, JSON.stringify(v.config, null, 2) + '\n');
    return { dir, cfg };
  });
  let done = 0;
  const results = await runPool(tasks, o.jobs, async (t) => {
    const f = folders[t.vi]!;
    const out = join(f.dir, `seed-${t.seed}`);
    // runs side by side take a core each: 'auto' means one thread apiece then (not two threads each)
    const oneThread = o.jobs > 1 && t.v.config.backend === 'auto' ? ['--backend', 'wasm'] : [];
    const child = await runJsonChild<RunResult>(MAIN_JS, ['train', '--config', f.cfg, '--seed', String(t.seed), '--out', out, '--json', '--quiet', ...oneThread]);
    done++;
    const r = child.value;
    const run: ComparedRun = r
      ? { seed: t.seed, link: relative(o.dir, join(out, 'report.html')), epochs: r.epochs, testAccuracy: r.testAccuracy, bestValidationAccuracy: r.bestValidationAccuracy }
      : { seed: t.seed, link: null, epochs: [], testAccuracy: null, bestValidationAccuracy: null, error: child.stderr.split('\n').pop() || `exit code ${child.code}` };
    if (!o.quiet) {
      const p = (v: number | null) => (v === null ? 'n/a' : `${(100 * v).toFixed(2)}%`);
      process.stderr.write(
        `[${done}/${tasks.length}] ${t.v.label || 'run'} seed ${t.seed}: ` +
          (r ? `best validation ${p(r.bestValidationAccuracy)}${o.hideTest ? '' : `, test ${p(r.testAccuracy)}`}, ${r.epochs.length} epochs, ${child.seconds.toFixed(1)} s` : `FAILED: ${run.error}`) +
          '\n',
      );
    }
    return { vi: t.vi, run };
  });
  return o.variants.map((v, vi) => ({ label: v.label, config: v.config, runs: results.filter((x) => x.vi === vi).map((x) => x.run) }));
}

/** The per-epoch curves worth overlaying: every monitored one (and η when a schedule changes it). */
export function defaultMetrics(configs: readonly (RunConfig | null)[]): SeriesField[] {
  const cs = configs.filter((c): c is RunConfig => c !== null);
  const on = (k: keyof RunConfig['monitor']) => cs.some((c) => c.monitor[k]);
  const m: SeriesField[] = [];
  for (const k of ['trainCost', 'validationCost', 'testCost', 'trainAccuracy', 'validationAccuracy', 'testAccuracy'] as const) if (on(k)) m.push(k);
  if (cs.some((c) => c.schedule.type !== 'constant')) m.push('learningRate');
  return m;
}

/** Write `<dir>/report.html` and `<dir>/summary.json`; returns the report's path. */
export function writeComparison(dir: string, input: ComparisonInput): string {
  const path = join(dir, 'report.html');
  writeFileAtomic(path, comparisonReportHtml(input, reportAssets()));
  writeFileAtomic(join(dir, 'summary.json'), JSON.stringify(input, null, 1) + '\n');
  return path;
}

/** Parse a comma list of series names for --metrics. */
export function parseMetrics(v: unknown): SeriesField[] | undefined {
  if (v === undefined) return undefined;
  const all = ['trainCost', 'validationCost', 'testCost', 'trainAccuracy', 'validationAccuracy', 'testAccuracy', 'learningRate'];
  const dashed = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  return (v as string[]).map((s) => {
    const f = dashed(s);
    if (!all.includes(f)) throw new UsageError(`--metrics: unknown "${s}"; expected train-cost, validation-cost, test-cost, train-accuracy, validation-accuracy, test-accuracy, learning-rate`);
    return f as SeriesField;
  });
}
