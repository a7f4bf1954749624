import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../node/atomic.js';
import { loadSplits } from '../../node/data.js';
import { workerAugmentation } from '../../node/augment-source.js';
import { encodeModel } from '../../network/model-file.js';
import { formatArchitecture } from '../../network/arch.js';
import { sizeOf } from '../../core/shape.js';
import { NnlabError } from '../../core/errors.js';
import { bookScore, findPreset } from '../../train/presets.js';
import { train, type RunResult, type TrainListener } from '../../train/trainer.js';
import { kernelsFor } from '../backend.js';
import { configFromFlags } from '../config-source.js';
import { formatHelp, parseFlags, type FlagSpec } from '../flags.js';
import { chanceWarning, progressListener } from '../progress.js';
import { RUN_FLAGS } from '../train-flags.js';
import { combineListeners, openRunFolder, RUN_OUTPUT_FLAGS } from '../run-output.js';
import { endOfRunChart } from '../../report/summary.js';
import { gradientForBackend } from '../../node/data-parallel.js';

export const TRAIN_FLAGS: FlagSpec[] = [
  ...RUN_FLAGS,
  ...RUN_OUTPUT_FLAGS,
  { name: 'save', type: 'string', arg: 'FILE', help: 'save the trained network (best-validation weights, else the last)' },
  { name: 'json', type: 'boolean', help: 'print the run as one JSON object (and nothing else) on stdout, instead of the chart and summary' },
  { name: 'quiet', type: 'boolean', help: 'no progress on stderr' },
  { name: 'help', type: 'boolean', help: 'show this help' },
];

export const TRAIN_USAGE = 'usage: nnlab train [options]';
export const TRAIN_DESCRIPTION =
  'Train a network and report its accuracy. With no options: [784,100,10] sigmoid network, cross-entropy, L2 λ=5, η=0.5, mini-batch 10, 30 epochs on the embedded MNIST (50,000 train / 10,000 validation / 10,000 test).';

const pct = (v: number | null) => (v === null ? 'n/a' : `${(100 * v).toFixed(2)} %`);

/** The plain-text summary printed at the end of a run. */
export function summarize(r: RunResult, presetName?: string): string {
  const lines = [
    `network    ${formatArchitecture(r.config.network.layers)} (${r.parameters} parameters), cost ${r.config.cost}`,
    `epochs     ${r.epochs.length} in ${r.seconds.toFixed(1)} s on the ${r.backend} backend${r.fma ? ' (fused multiply-add)' : ''}${r.stopReason ? ` (${r.stopReason})` : ''}`,
  ];
  if (r.bestEpoch !== null) lines.push(`best validation accuracy ${pct(r.bestValidationAccuracy)} at epoch ${r.bestEpoch}`);
  const from = r.config.averageFrom;
  // with weight averaging an epoch's weights are the mean of the end-of-epoch weights from `from` on
  const weightsOf = (e: number) => (from !== undefined && e >= from ? `the mean of the weights of epochs ${from}–${e}` : `weights of epoch ${e}`);
  lines.push(`test accuracy ${pct(r.testAccuracy)}${r.bestEpoch !== null ? ` (${weightsOf(r.bestEpoch)}); last epoch ${pct(r.finalTestAccuracy)}` : ''}, test cost ${r.testCost.toFixed(4)}`);
  if (presetName) {
    const p = findPreset(presetName);
    if (p) lines.push(`book (${p.row}): ${pct(p.book)} ${p.metric}; nnlab: ${pct(bookScore(p.metric, r))}`);
  }
  return lines.join('\n');
}

export async function trainCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, TRAIN_FLAGS, 'train');
  if (values.help) {
    process.stdout.write(formatHelp(TRAIN_USAGE, TRAIN_DESCRIPTION, TRAIN_FLAGS));
    return 0;
  }
  const { config, expectedInputSize } = configFromFlags(values);
  if (values.save !== undefined) {
    // Refuse a --save path that cannot be written before training, not after it.
    const file = String(values.save);
    const dir = dirname(file);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new NnlabError(`--save ${values.save}: the folder ${dir} does not exist`);
    if (/[\\/]$/.test(file) || (existsSync(file) && statSync(file).isDirectory()))
      throw new NnlabError(`--save ${values.save}: that names a folder; give a file name (e.g. ${join(file, 'net.nnlab')})`);
  }
  const data = loadSplits(config.data);
  const inputSize = sizeOf(data.train.shape);
  if (expectedInputSize !== undefined && expectedInputSize !== inputSize)
    throw new NnlabError(`--layers: the first size is the input layer, ${expectedInputSize}, but the data has ${inputSize} inputs per example`);
  const kernels = await kernelsFor(config.backend, {
    batchSize: config.batchSize,
    convolutional: config.network.layers.some((l) => l.type === 'conv2d'),
    dropoutPerBatch: config.regularization.dropoutMask === 'batch' && config.network.layers.some((l) => l.type === 'dropout'),
  }, config.fma === false ? { fma: false } : {});
  const progress = progressListener(process.stderr, config.epochs, values.quiet === true);
  const folder = openRunFolder(values, values.preset as string | undefined);
  const restarts = config.schedule.type === 'cosine' && config.schedule.cycles !== undefined;
  if (restarts && !folder) process.stderr.write('nnlab: note: --no-run-folder: the snapshots at the end of each cycle are not saved (they go in the run folder)\n');
  const snapshots: TrainListener | undefined =
    folder && values.quiet !== true ? { onSnapshot: (_n, k, e) => process.stderr.write(`snapshot ${k} (end of cycle ${k}, epoch ${e}): ${folder.snapshotPath(k)}\n`) } : undefined;
  const epochData = workerAugmentation(config, data.train); // --augment: distortions made in a worker thread
  const gradient = gradientForBackend(kernels, config.seed); // 'wasm-dp': each mini-batch shared between two threads
  const { network, result } = await train({ config, data, kernels, listener: combineListeners(progress, chanceWarning(process.stderr, data.classes), folder?.listener(), snapshots), ...(epochData ? { epochData } : {}), ...(gradient ? { gradient } : {}) }).finally(() => epochData?.close());
  if (folder) {
    folder.finish(network, result, data);
    process.stderr.write(`run folder ${folder.dir} (report: ${folder.path('report')})\n`);
  }
  if (result.diverged) process.stderr.write(`nnlab: ${result.diverged}\n`);
  if (values.save !== undefined) {
    // a run that diverged before finishing one epoch has only its initial weights: saving them
    // would replace a good network with an untrained one
    if (result.epochs.length === 0) process.stderr.write(`nnlab: not saved to ${values.save}: no epoch finished\n`);
    else {
      writeFileAtomic(String(values.save), encodeModel(network, { config, result: { ...result, config: undefined } }));
      process.stderr.write(`saved ${values.save}\n`);
    }
  }
  if (values.json) process.stdout.write(JSON.stringify(result) + '\n'); // nothing else on stdout: `> run.json` gives a JSON file
  else {
    const chart = endOfRunChart(result.epochs);
    if (chart) process.stdout.write(chart + '\n');
    process.stdout.write(summarize(result, values.preset as string | undefined) + '\n');
  }
  return result.diverged ? 3 : 0;
}
