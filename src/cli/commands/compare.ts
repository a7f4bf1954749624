import { readFileSync } from 'node:fs';
import type { PartialRunConfig } from '../../core/config.js';
import { NnlabError } from '../../core/errors.js';
import { defaultJobs } from '../../node/parallel.js';
import { summaryTable, textTable } from '../../report/compare-report.js';
import { resolveConfig } from '../../train/resolve.js';
import { configFromFlags } from '../config-source.js';
import { formatHelp, parseFlags, UsageError, type FlagSpec } from '../flags.js';
import { comparisonDir, defaultMetrics, parseMetrics, runAll, varyGrid, writeComparison, type Variant } from '../lab.js';
import { RUN_FLAGS } from '../train-flags.js';

/** Flags shared by compare, sweep and figure for running many runs. */
export const LAB_FLAGS: FlagSpec[] = [
  { name: 'seeds', type: 'int', arg: 'N', help: 'runs per setting, with seeds s, s+1, ... (default 1)' },
  { name: 'jobs', type: 'int', arg: 'N', help: `runs at once, each in its own process (default: the machine's cores, ${defaultJobs()})` },
  { name: 'out', type: 'string', arg: 'DIR', help: 'folder for the comparison report and every run folder (default runs/<command>-<time>/)' },
  { name: 'metrics', type: 'list', arg: 'LIST', help: 'curves to overlay: train-cost,validation-cost,test-cost,train-accuracy,validation-accuracy,test-accuracy,learning-rate (default: all monitored)' },
  { name: 'title', type: 'string', arg: 'TEXT', help: 'title of the comparison report' },
  { name: 'quiet', type: 'boolean', help: 'no progress on stderr' },
  { name: 'help', type: 'boolean', help: 'show this help' },
];

export const COMPARE_FLAGS: FlagSpec[] = [
  { name: 'vary', type: 'string', repeat: true, arg: 'NAME=V1,V2,...', help: "one run flag's values to compare, e.g. lambda=0,0.1,5 (several --vary: every combination; use ';' between list values: layers=784,30,10;784,100,10)" },
  { name: 'configs', type: 'string', arg: 'FILE.json', help: 'a JSON list of partial configs to compare (each may have a "label"), applied over the other flags' },
  ...LAB_FLAGS,
  ...RUN_FLAGS,
];

const USAGE = 'usage: nnlab compare (--vary NAME=V1,V2,... | --configs FILE.json) [--seeds N] [--jobs N] [run options]';
const DESCRIPTION =
  'Train runs that differ in named settings, in parallel, each with its own run folder, then write one comparison report (curves: mean and spread across seeds) and print a summary table. Example: nnlab compare --vary lambda=0,0.1,5 --seeds 3 --train-size 1000 --epochs 30';

function positiveInt(v: unknown, flag: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new UsageError(`--${flag}: expected a positive integer, got ${String(v)}`);
  return v;
}

/** Read a --configs file: a JSON list of partial configs, each optionally with a "label". */
export function readConfigList(path: string): { label: string | undefined; config: PartialRunConfig }[] {
  let list: unknown;
  try {
    list = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new NnlabError(`${path}: cannot read a JSON list of configs: ${(e as Error).message}`);
  }
  if (!Array.isArray(list) || list.length === 0) throw new NnlabError(`${path}: expected a non-empty JSON list of partial configs`);
  return list.map((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new NnlabError(`${path}: item ${i} is not a JSON object`);
    const { label, ...config } = item as Record<string, unknown>;
    return { label: typeof label === 'string' ? label : undefined, config: config as PartialRunConfig };
  });
}

export async function compareCommand(argv: string[]): Promise<number> {
  const { values, positional } = parseFlags(argv, COMPARE_FLAGS, 'compare');
  if (values.help) {
    process.stdout.write(formatHelp(USAGE, DESCRIPTION, COMPARE_FLAGS));
    return 0;
  }
  if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}" (see 'nnlab compare --help')`);
  const vary = (values.vary as string[] | undefined) ?? [];
  if (vary.length && values.configs !== undefined) throw new UsageError('give either --vary or --configs, not both');
  const { vary: _v, configs: _c, seeds: _s, jobs: _j, out: _o, metrics: _m, title: _t, quiet: _q, help: _h, ...runValues } = values;
  let variants: Variant[];
  if (values.configs !== undefined) {
    const base = configFromFlags(runValues).config;
    variants = readConfigList(String(values.configs)).map((e, i) => {
      try {
        return { label: e.label ?? `config ${i + 1}`, config: resolveConfig(base, e.config) };
      } catch (err) {
        throw new NnlabError(`${String(values.configs)} item ${i}: ${(err as Error).message}`);
      }
    });
  } else {
    variants = varyGrid(vary).map((g) => ({ label: g.label || 'run', config: configFromFlags({ ...runValues, ...g.overrides }).config }));
  }
  const seeds = positiveInt(values.seeds, 'seeds', 1);
  const jobs = positiveInt(values.jobs, 'jobs', defaultJobs());
  const dir = comparisonDir(values.out, 'compare');
  const quiet = values.quiet === true;
  if (!quiet) process.stderr.write(`compare: ${variants.length} setting(s) × ${seeds} seed(s) = ${variants.length * seeds} runs, ${Math.min(jobs, variants.length * seeds)} at once, in ${dir}\n`);
  const groups = await runAll({ dir, variants, seeds, jobs, quiet });
  const table = summaryTable(groups);
  const report = writeComparison(dir, {
    title: (values.title as string | undefined) ?? `nnlab compare: ${vary.length ? vary.join(' × ') : String(values.configs ?? 'runs')}`,
    description: `${variants.length} settings, ${seeds} seed(s) each. Accuracies in %, mean ± standard deviation across seeds.`,
    createdAt: new Date().toISOString(),
    command: `nnlab compare ${argv.join(' ')}`,
    groups,
    metrics: parseMetrics(values.metrics) ?? defaultMetrics(variants.map((v) => v.config)),
  });
  process.stdout.write(textTable(table) + '\n');
  process.stderr.write(`comparison report ${report}\n`);
  return groups.some((g) => g.runs.some((r) => r.error)) ? 1 : 0;
}
