import { fileURLToPath } from 'node:url';
import { NnlabError } from '../../core/errors.js';
import { defaultJobs, runJsonChild, runPool } from '../../node/parallel.js';
import { bookScore, findPreset, PRESETS } from '../../train/presets.js';
import type { RunResult } from '../../train/trainer.js';
import { formatHelp, parseFlags, type FlagSpec } from '../flags.js';

const FLAGS: FlagSpec[] = [
  { name: 'seeds', type: 'int', arg: 'N', help: 'runs with seeds 1..N (default 3)' },
  { name: 'jobs', type: 'int', arg: 'J', help: 'runs at once (default: number of cores)' },
  { name: 'json', type: 'boolean', help: 'print one JSON object with every run' },
  { name: 'help', type: 'boolean', help: 'show this help' },
];

/** Mean and sample standard deviation. */
export function meanSpread(xs: number[]): { mean: number; sd: number; min: number; max: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd, min: Math.min(...xs), max: Math.max(...xs) };
}

async function runOne(args: string[]): Promise<RunResult> {
  const main = fileURLToPath(new URL('../main.js', import.meta.url));
  const r = await runJsonChild<RunResult>(main, ['train', ...args, '--json', '--quiet']);
  if ((r.code !== 0 && r.code !== 3) || !r.value)
    throw new NnlabError(`nnlab train ${args.join(' ')} failed: ${r.stderr.split('\n').pop() || `exit ${r.code}`}`);
  return r.value;
}

/**
 * `nnlab reproduce PRESET [train flags]`: run a book preset with several seeds (in parallel child
 * processes) and print the book's figure beside nnlab's mean and spread, scored the book's way.
 */
export async function reproduceCommand(argv: string[]): Promise<number> {
  const split = argv.indexOf('--');
  const own = split >= 0 ? argv.slice(0, split) : argv;
  const extra = split >= 0 ? argv.slice(split + 1) : [];
  const { values, positional } = parseFlags(own, FLAGS, 'reproduce');
  if (values.help || positional.length !== 1) {
    process.stdout.write(
      formatHelp(
        'usage: nnlab reproduce PRESET [--seeds N] [--jobs J] [-- extra train flags]',
        `Run one of the book's experiments with several seeds and compare with the book. Presets: ${PRESETS.map((p) => p.name).join(', ')}.`,
        FLAGS,
      ),
    );
    return values.help ? 0 : 2;
  }
  const preset = findPreset(positional[0]!);
  if (!preset) throw new NnlabError(`unknown preset "${positional[0]}"; 'nnlab presets' lists them`);
  const seeds = (values.seeds as number | undefined) ?? 3;
  const jobs = Math.max(1, (values.jobs as number | undefined) ?? defaultJobs());
  const results = await runPool(
    Array.from({ length: seeds }, (_, i) => i + 1),
    jobs,
    async (s) => {
      // runs side by side take a core each: one thread apiece unless the extra flags name a backend
      const oneThread = jobs > 1 && !extra.includes('--backend') ? ['--backend', 'wasm'] : [];
      const r = await runOne(['--preset', preset.name, '--seed', String(s), ...oneThread, ...extra]);
      const score = bookScore(preset.metric, r);
      process.stderr.write(`${preset.name} seed ${s}: ${score === null ? 'n/a' : (100 * score).toFixed(2) + ' %'} (${preset.metric}) in ${r.seconds.toFixed(0)} s\n`);
      return r;
    },
  );
  const scores = results.map((r) => bookScore(preset.metric, r)).filter((v): v is number => v !== null);
  const st = meanSpread(scores);
  const secs = meanSpread(results.map((r) => r.seconds));
  const line = `${preset.name} (${preset.row}): book ${(100 * preset.book).toFixed(2)} %, nnlab ${(100 * st.mean).toFixed(2)} ± ${(100 * st.sd).toFixed(2)} % (min ${(100 * st.min).toFixed(2)}, max ${(100 * st.max).toFixed(2)}, ${scores.length} seeds, ${preset.metric}), ${secs.mean.toFixed(0)} s a run`;
  if (!values.json) process.stdout.write(line + '\n');
  else
    process.stdout.write(JSON.stringify({ preset: preset.name, row: preset.row, metric: preset.metric, book: preset.book, scores, mean: st.mean, sd: st.sd, seconds: secs.mean, extra, runs: results.map((r) => ({ seed: r.config.seed, testAccuracy: r.testAccuracy, bestValidationAccuracy: r.bestValidationAccuracy, bestEpoch: r.bestEpoch, seconds: r.seconds })) }) + '\n');
  return 0;
}
