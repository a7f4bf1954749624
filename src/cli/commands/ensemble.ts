import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NnlabError } from '../../core/errors.js';
import { writeFileAtomic } from '../../node/atomic.js';
import { loadSplits } from '../../node/data.js';
import { defaultJobs, runJsonChild, runPool } from '../../node/parallel.js';
import { decodeModel, decodeModelHeader } from '../../network/model-file.js';
import { scoreEnsemble, type EnsembleScore } from '../../train/ensemble.js';
import { Evaluator } from '../../train/evaluate.js';
import { TTA_VIEWS, ttaViews, viewOf, type View } from '../../data/augment/views.js';
import { findPreset } from '../../train/presets.js';
import { defaultConfig, type RunConfig } from '../../core/config.js';
import type { Kernels } from '../../kernels/kernels.js';
import type { ThreadedKernels } from '../../node/threaded-kernels.js';
import type { RunResult } from '../../train/trainer.js';
import { kernelsFor } from '../backend.js';
import { configFromFlags } from '../config-source.js';
import { formatHelp, parseFlags, type FlagSpec } from '../flags.js';
import { readModelBytes, TTA_FLAG } from './eval.js';
import { TRAIN_FLAGS } from './train.js';

const FLAGS: FlagSpec[] = [
  { name: 'model', type: 'string', repeat: true, arg: 'FILE', help: 'a network saved by nnlab train --save (repeat it: a vote needs two or more; one alone is scored by itself)' },
  { name: 'preset', type: 'string', arg: 'NAME', help: 'train the members first: this preset with seeds 1..N (e.g. c9), then score their vote' },
  { name: 'members', type: 'int', arg: 'N', help: 'with --preset: how many networks (default 5; 1 when the schedule restarts, -- --cycles ...: each network votes with its snapshots)' },
  { name: 'dir', type: 'string', arg: 'DIR', help: 'with --preset: where the members go (netK.nnlab, runK/; default runs/ensemble-PRESET); members already there are reused' },
  { name: 'jobs', type: 'int', arg: 'J', help: 'with --preset: members trained at once, one thread each (default: the number of cores; 1: one at a time on the default backend)' },
  { name: 'data', type: 'string', arg: 'DIR', help: 'folder with the four IDX files; default: embedded MNIST' },
  { name: 'split', type: 'string', arg: 'test|validation', help: "the images scored: the test set (default), or the validation images (the training file's last --validation-size), to choose members without looking at the test set" },
  { name: 'validation-size', type: 'int', arg: 'N', help: 'with --split validation: how many of the training file\'s last images (default 10000, as in training)' },
  TTA_FLAG,
  { name: 'backend', type: 'string', arg: 'NAME', help: 'kernel backend (auto)' },
  { name: 'json', type: 'boolean', help: 'print one JSON object' },
  { name: 'quiet', type: 'boolean', help: "with --preset: no per-epoch progress of the members on stderr (their start and end are still shown)" },
  { name: 'help', type: 'boolean', help: 'show this help' },
];

const pct = (a: number) => `${(100 * a).toFixed(2)} %`;

/** What `--preset` training did for one member. */
interface MemberRun {
  model: string;
  seed: number;
  /** Training time and best epoch (from the file's record when it was reused). */
  seconds: number | null;
  bestEpoch: number | null;
  /** Whether the file was already there (trained by an earlier run of the command). */
  reused: boolean;
  /** With a restarting schedule: the network at the end of each cycle (runK/snapshot-J.nnlab), the member's voters. */
  snapshots?: string[];
}

/** The first field (a dotted path) where two run configs differ, ignoring the backend (backends agree within float tolerance). */
export function firstDifference(a: unknown, b: unknown, path = ''): { path: string; a: unknown; b: unknown } | null {
  if (path === 'backend') return null;
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      if (d) return d;
    }
    return null;
  }
  return JSON.stringify(a) === JSON.stringify(b) ? null : { path, a, b };
}

/** Train flags that the ensemble sets itself for each member, so they cannot come after `--`. */
const OWN_MEMBER_FLAGS = ['preset', 'seed', 'save', 'out', 'no-run-folder', 'json', 'help', 'config'];

/** The last informative line of a failed child's stderr: its `nnlab:` message if it printed one. */
function childProblem(stderr: string, code: number | null, signal: string | null): string {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  const said = [...lines].reverse().find((l) => l.startsWith('nnlab: '));
  if (said) return said.slice('nnlab: '.length);
  if (signal) return `killed by ${signal}`;
  return `exit code ${code}${lines.length ? `; its last lines: ${lines.slice(-3).join(' | ')}` : ''}`;
}

/**
 * Train members 1..n of an ensemble, one `nnlab train` child process each (seed k, saved to
 * dir/netK.nnlab, its run folder dir/runK). A member whose file exists is reused: saves are
 * atomic, so an existing file is a finished network, and an interrupted ensemble resumes where it
 * stopped (an interrupted member's half-written run folder is moved aside and the member trained
 * again). Every existing member is checked before anything trains; after a failure no new member
 * starts, the ones running are let finish (they are reusable), and then the first error is thrown.
 */
async function trainMembers(preset: string, asked: number | undefined, dir: string, jobs: number, extra: string[], data: string | undefined, backend: string | undefined, quiet: boolean): Promise<{ members: MemberRun[]; source: string }> {
  const given = parseFlags(extra, TRAIN_FLAGS, 'train').values;
  const own = OWN_MEMBER_FLAGS.filter((f) => given[f] !== undefined);
  if (own.length) throw new NnlabError(`nnlab ensemble: --${own[0]} cannot follow -- (the ensemble sets it for each member; --preset and --members choose them)`);
  if (data !== undefined && given.data !== undefined) throw new NnlabError('nnlab ensemble: give --data once, before -- or after it');
  const argsOf = (seed: number) => ['--preset', preset, '--seed', String(seed), ...extra, ...(data !== undefined ? ['--data', data] : [])];
  // every member's run config, resolved now: bad train flags fail before any training starts
  const configOf = (seed: number) => configFromFlags(parseFlags(argsOf(seed), TRAIN_FLAGS, 'train').values).config;
  const configs = new Map<number, RunConfig>([[1, configOf(1)]]);
  const first = configs.get(1)!.schedule;
  // a schedule with restarts leaves a snapshot per cycle: one network already gives a vote
  const cycles = first.type === 'cosine' && first.cycles ? first.cycles.length : 0;
  const n = asked ?? (cycles > 0 ? 1 : 5);
  for (let seed = 2; seed <= n; seed++) configs.set(seed, configOf(seed));
  const snapshotsOf = (seed: number) => (cycles > 0 ? Array.from({ length: cycles }, (_, j) => join(dir, `run${seed}`, `snapshot-${j + 1}.nnlab`)) : undefined);
  const members: MemberRun[] = [];
  const toTrain: number[] = [];
  for (let seed = 1; seed <= n; seed++) {
    const model = join(dir, `net${seed}.nnlab`);
    if (!existsSync(model)) {
      toTrain.push(seed);
      continue;
    }
    // reuse only a member trained exactly as asked (a changed flag would mix two recipes)
    const header = decodeModelHeader(readModelBytes(model), model).header;
    const had = header.meta?.config;
    if (had === undefined) throw new NnlabError(`${model} records no training config, so it cannot be checked against this ensemble: delete it (and ${join(dir, `run${seed}`)}) or give another --dir`);
    const d = firstDifference(had, configs.get(seed));
    if (d)
      throw new NnlabError(`${model} was trained with ${d.path} = ${JSON.stringify(d.a)}, this ensemble asks for ${JSON.stringify(d.b)}: delete it and ${join(dir, `run${seed}`)}, or give another --dir`);
    const result = header.meta?.result as { seconds?: number; bestEpoch?: number | null } | undefined;
    const snapshots = snapshotsOf(seed);
    const missing = snapshots?.find((f) => !existsSync(f));
    if (missing) throw new NnlabError(`${model} is there but its snapshot ${missing} is not: delete ${model} and ${join(dir, `run${seed}`)} to train it again, or give another --dir`);
    members[seed - 1] = { model, seed, seconds: result?.seconds ?? null, bestEpoch: result?.bestEpoch ?? null, reused: true, ...(snapshots ? { snapshots } : {}) };
    process.stderr.write(`member ${seed}/${n}: reusing ${model}\n`);
  }
  mkdirSync(dir, { recursive: true });
  const main = fileURLToPath(new URL('../main.js', import.meta.url));
  // members side by side take a core each: one thread apiece unless a backend was named
  const threadArgs = backend !== undefined && given.backend === undefined ? ['--backend', backend] : given.backend === undefined && Math.min(jobs, toTrain.length) > 1 ? ['--backend', 'wasm'] : [];
  let failure: unknown = null;
  await runPool(toTrain, jobs, async (seed) => {
    if (failure !== null) return; // after a failure no new member starts
    try {
      const model = join(dir, `net${seed}.nnlab`);
      const runDir = join(dir, `run${seed}`);
      if (existsSync(runDir)) {
        // a run folder without its network: an interrupted member; keep its files, train it again
        const aside = `${runDir}.interrupted-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        renameSync(runDir, aside);
        process.stderr.write(`member ${seed}/${n}: ${runDir} holds an unfinished run, moved to ${aside}\n`);
      }
      process.stderr.write(`member ${seed}/${n}: training --preset ${preset} --seed ${seed}${extra.length ? ' ' + extra.join(' ') : ''}\n`);
      const args = ['train', ...argsOf(seed), '--save', model, '--out', runDir, ...threadArgs];
      // the member's own progress (one line an epoch), each line marked with the member
      const r = await runJsonChild<RunResult>(main, [...args, '--json'], quiet ? undefined : (line) => process.stderr.write(`member ${seed}/${n}: ${line}\n`));
      if ((r.code !== 0 && r.code !== 3) || !r.value || !existsSync(model)) throw new NnlabError(`ensemble member ${seed} (nnlab ${args.join(' ')}) failed: ${childProblem(r.stderr, r.code, r.signal)}`);
      const v = r.value;
      if (r.code === 3) process.stderr.write(`member ${seed}/${n}: warning: training diverged (${v.diverged ?? 'see its run folder'}); its last good weights vote\n`);
      const best = v.bestEpoch === null ? '' : `, best validation ${pct(v.bestValidationAccuracy ?? NaN)} at epoch ${v.bestEpoch}`;
      process.stderr.write(`member ${seed}/${n}: test ${pct(v.testAccuracy)}${best}, ${v.seconds.toFixed(0)} s\n`);
      const snapshots = snapshotsOf(seed);
      const missing = snapshots?.find((f) => !existsSync(f));
      if (missing) throw new NnlabError(`ensemble member ${seed} has no snapshot ${missing}: ${v.diverged ?? v.stopReason ?? 'its run folder lacks it'}`);
      members[seed - 1] = { model, seed, seconds: v.seconds, bestEpoch: v.bestEpoch, reused: false, ...(snapshots ? { snapshots } : {}) };
    } catch (e) {
      failure ??= e;
    }
  });
  if (failure !== null) throw failure;
  // the members are scored on the test set of the data they trained on (--data before or after --)
  return { members, source: configs.get(1)!.data.source };
}

/**
 * Test-set outputs of each saved network, checked against the data and each other. Each member
 * gets kernels of its own from `makeKernels`, closed when its outputs are copied out: a backend's
 * memory only grows, so members sharing one would run out of it (nine deep-distort networks
 * overran WebAssembly's 2 GiB with their evaluation buffers). With several `views` (test-time
 * augmentation, `--tta`), a network's outputs are the mean of its outputs on the views, and
 * `plain` keeps its outputs on the first view (the images themselves) to compare.
 */
export async function memberOutputs(
  files: string[],
  source: string,
  makeKernels: () => Promise<Kernels>,
  split: { name: 'test' } | { name: 'validation'; size: number } = { name: 'test' },
  onMember?: (index: number, file: string, seconds: number) => void,
  views: readonly View[] = TTA_VIEWS.none!,
): Promise<{ outputs: Float32Array[]; plain: Float32Array[]; labels: Uint8Array | ArrayLike<number>; classes: number }> {
  const splits = loadSplits({ source, trainSize: null, validationSize: split.name === 'validation' ? split.size : 0, augment: '' });
  const test = split.name === 'validation' ? splits.validation : splits.test;
  const sets = views.map((v) => viewOf(test, v, source));
  let classes = -1;
  const outputs: Float32Array[] = [];
  const plain: Float32Array[] = [];
  for (const [index, file] of files.entries()) {
    const started = performance.now();
    const kernels = await makeKernels();
    try {
      const { network, header } = decodeModel(readModelBytes(file), kernels, file);
      if (test.shape.join('x') !== header.inputShape.join('x'))
        throw new NnlabError(`${file}: the network takes inputs of shape ${header.inputShape.join('x')}, the ${split.name} data has ${test.shape.join('x')}`);
      if (classes >= 0 && header.classes !== classes) throw new NnlabError(`${file}: the network has ${header.classes} outputs, ${files[0]} has ${classes}`);
      classes = header.classes;
      // test-time augmentation: the mean of the network's outputs over the views (the first, the image itself, is also kept alone)
      const { mean, first } = new Evaluator(network, classes).viewOutputs(sets);
      outputs.push(mean);
      plain.push(first);
    } finally {
      (kernels as Partial<ThreadedKernels>).close?.();
    }
    onMember?.(index, file, (performance.now() - started) / 1000);
  }
  return { outputs, plain, labels: test.labels, classes };
}

function scoreJson(files: string[], s: EnsembleScore, split: 'test' | 'validation'): Record<string, unknown> {
  return {
    split,
    models: files.map((f, i) => ({ model: f, [`${split}Accuracy`]: s.members[i]!.accuracy, correct: s.members[i]!.correct })),
    count: s.count,
    voteAccuracy: s.vote.accuracy,
    voteCorrect: s.vote.correct,
    meanAccuracy: s.mean.accuracy,
    meanCorrect: s.mean.correct,
    voteErrors: s.voteErrors,
  };
}

/**
 * `nnlab ensemble --model A --model B ...`: the plurality vote and the mean of outputs of saved
 * networks on the test set. `nnlab ensemble --preset c9 [--members 5] [-- train flags]` trains the
 * members first (the book's C9 in one command).
 */
export async function ensembleCommand(argv: string[]): Promise<number> {
  const split = argv.indexOf('--');
  const own = split >= 0 ? argv.slice(0, split) : argv;
  const extra = split >= 0 ? argv.slice(split + 1) : [];
  const { values, positional } = parseFlags(own, FLAGS, 'ensemble');
  if (values.help) {
    process.stdout.write(
      formatHelp(
        'usage: nnlab ensemble --model A --model B [--model C ...] [--data DIR] [--json]\n' +
          '       nnlab ensemble --preset NAME [--members N] [--dir DIR] [--jobs J] [-- extra train flags]',
        "Test accuracy of saved networks voting together (the book's chapter-6 ensemble: each network votes for its most active output, most votes win; ties go to the largest summed output), and of the mean of their outputs. With --preset, first train N networks of that preset with seeds 1..N (nnlab ensemble --preset c9 is the book's C9); when its cosine schedule restarts (--cycles after --), each network votes with its snapshots, one per cycle, and one network is the default. With --split validation, the same on the validation images: to choose members by it and keep the test set for the end.",
        FLAGS,
      ),
    );
    return 0;
  }
  if (positional.length) throw new NnlabError(`nnlab ensemble: unexpected argument "${positional[0]}" (give each network as --model FILE)`);
  const ttaName = String(values.tta ?? 'none');
  const views = ttaViews(ttaName); // checked before any member trains
  const given = (values.model as string[] | undefined) ?? [];
  const presetName = values.preset as string | undefined;
  let source = String(values.data ?? 'mnist');
  const backend = values.backend as string | undefined;
  let members: MemberRun[] = [];
  let dir: string | null = null;
  if (presetName !== undefined) {
    if (given.length) throw new NnlabError('nnlab ensemble: give either --preset (train the members) or --model files, not both');
    const preset = findPreset(presetName);
    if (!preset) throw new NnlabError(`unknown preset "${presetName}"; 'nnlab presets' lists them`);
    const n = values.members as number | undefined;
    if (n !== undefined && n < 1) throw new NnlabError(`--members: expected at least 1, got ${n}`);
    const jobs = (values.jobs as number | undefined) ?? defaultJobs();
    if (jobs < 1) throw new NnlabError(`--jobs: expected at least 1, got ${jobs}`);
    dir = String(values.dir ?? join('runs', `ensemble-${preset.name}`));
    ({ members, source } = await trainMembers(preset.name, n, dir, jobs, extra, values.data as string | undefined, backend, values.quiet === true));
  } else {
    if (extra.length) throw new NnlabError('nnlab ensemble: train flags after -- need --preset');
    for (const f of ['members', 'dir', 'jobs']) if (values[f] !== undefined) throw new NnlabError(`nnlab ensemble: --${f} needs --preset`);
    if (given.length === 0) throw new NnlabError("nnlab ensemble needs --model FILE at least once (networks saved by 'nnlab train --save FILE'), or --preset NAME to train them");
  }
  const files = presetName !== undefined ? members.flatMap((m) => m.snapshots ?? [m.model]) : given;
  const splitName = values.split === undefined ? 'test' : String(values.split);
  if (splitName !== 'test' && splitName !== 'validation') throw new NnlabError(`--split: expected test or validation, got "${splitName}"`);
  if (values['validation-size'] !== undefined && splitName !== 'validation') throw new NnlabError('nnlab ensemble: --validation-size needs --split validation');
  const validationSize = (values['validation-size'] as number | undefined) ?? defaultConfig().data.validationSize;
  if (validationSize < 1) throw new NnlabError(`--validation-size: expected at least 1, got ${validationSize}`);
  // progress on stderr (a deep-distort member: 6.7 s on one thread): stdout keeps the result alone
  const progress = (i: number, f: string, sec: number) => process.stderr.write(`scored ${i + 1}/${files.length} ${f} on the ${splitName} images (${sec.toFixed(1)} s)\n`);
  const { outputs, plain, labels, classes } = await memberOutputs(files, source, () => kernelsFor(backend ?? 'auto'), splitName === 'test' ? { name: 'test' } : { name: 'validation', size: validationSize }, progress, views);
  const s = scoreEnsemble(outputs, labels, classes);
  // with test-time views, the scores without them too: what the views add is then plain to see
  const without = views.length > 1 ? scoreEnsemble(plain, labels, classes) : null;
  const record = { ...scoreJson(files, s, splitName), tta: ttaName, ...(without ? { withoutTta: scoreJson(files, without, splitName) } : {}) };
  if (dir !== null) {
    // the ensemble's own record beside its members: what was asked, what each member took, the score
    const full = { command: ['ensemble', ...argv], preset: presetName, trainFlags: extra, members, ...record };
    writeFileAtomic(join(dir, 'ensemble.json'), JSON.stringify(full, null, 2) + '\n');
  }
  if (values.json) {
    process.stdout.write(JSON.stringify(record) + '\n');
    return 0;
  }
  const w = Math.max(...files.map((f) => f.length));
  const score = (a: { correct: number; accuracy: number }) => `${pct(a.accuracy)} (${a.correct} / ${s.count})`;
  // with test-time views: each line gives the score with them, then without
  const plainToo = (a: { correct: number; accuracy: number } | undefined) => (a ? `; without test-time views ${score(a)}` : '');
  if (without) process.stdout.write(`test-time views: ${ttaName}, the mean of each network's outputs on ${views.length} views of each image\n`);
  files.forEach((f, i) => process.stdout.write(`${f.padEnd(w)}  ${score(s.members[i]!)}${plainToo(without?.members[i])}\n`));
  if (splitName === 'validation') process.stdout.write(`scored on the ${s.count} validation images (the training file's last ${s.count})\n`);
  process.stdout.write(`plurality vote of ${files.length}: ${pct(s.vote.accuracy)} (${s.vote.correct} / ${s.count}, ${s.count - s.vote.correct} errors)${plainToo(without?.vote)}\n`);
  process.stdout.write(`mean of outputs:    ${score(s.mean)}${plainToo(without?.mean)}\n`);
  if (dir !== null) process.stdout.write(`recorded in ${join(dir, 'ensemble.json')}\n`);
  return 0;
}
