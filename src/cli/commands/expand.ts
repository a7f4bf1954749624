import { existsSync, mkdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { NnlabError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { AugmentPipeline, expandExamples, expansionFactor, formatAugmentSpec, parseAugmentSpec, type ExpandMode } from '../../data/augment/index.js';
import { exampleSet, subset } from '../../data/dataset.js';
import { encodeIdx } from '../../data/idx.js';
import { writeFileAtomic } from '../../node/atomic.js';
import { IDX_FILES, mnistDir, readIdxFile } from '../../node/data.js';
import { formatHelp, parseFlags, UsageError, type FlagSpec } from '../flags.js';

const FLAGS: FlagSpec[] = [
  { name: 'out', type: 'string', arg: 'DIR', help: 'folder to write the expanded data set to (created if missing)' },
  { name: 'data', type: 'string', arg: 'DIR', help: 'folder with the four IDX files to expand; default: embedded MNIST' },
  { name: 'shifts', type: 'boolean', help: "the book's expand_mnist.py: each training image plus its four one-pixel shifts (50,000 → 250,000)" },
  { name: 'spec', type: 'string', arg: 'SPEC', help: 'instead: each training image plus --copies distorted copies, e.g. "rotate:15,elastic" (see docs/augmentation.md)' },
  { name: 'copies', type: 'int', arg: 'N', help: 'distorted copies per image with --spec (default 4)' },
  { name: 'validation-size', type: 'int', arg: 'N', help: 'images at the end of the training file kept as validation: not expanded, written last (default 10000)' },
  { name: 'seed', type: 'int', arg: 'S', help: 'seed of the distortions and of the shuffle (default 1)' },
  { name: 'keep-order', type: 'boolean', help: 'do not shuffle: each original followed by its copies' },
  { name: 'force', type: 'boolean', help: 'overwrite IDX files already in --out' },
  { name: 'help', type: 'boolean', help: 'show this help' },
];

const USAGE = 'usage: nnlab expand (--shifts | --spec SPEC [--copies N]) --out DIR [--data DIR]';
const DESCRIPTION = [
  'Write an expanded training set in IDX format, the four standard file names, to --out. The training images',
  '(all but the last --validation-size of the training file) are expanded and shuffled; the validation images',
  'follow, unchanged, at the end of the training file, so that `nnlab train --data DIR` (which takes validation',
  'images from the end) splits it right. The test files are copied unchanged. expand.json records what was done.',
  'Example: nnlab expand --shifts --out data/mnist-expanded (the book\'s 250,000 images + 10,000 validation).',
].join('\n');

/** Find `name` or `name.gz` in `dir`. */
function locate(dir: string, name: string): string {
  for (const p of [join(dir, name), join(dir, name + '.gz')]) if (existsSync(p)) return p;
  throw new NnlabError(`${dir}: missing ${name} (or ${name}.gz)`);
}

export async function expandCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, FLAGS, 'expand');
  if (values.help) {
    process.stdout.write(formatHelp(USAGE, DESCRIPTION, FLAGS));
    return 0;
  }
  if (values.out === undefined) throw new UsageError(`nnlab expand needs --out DIR (${USAGE})`);
  if ((values.shifts === true) === (values.spec !== undefined)) throw new UsageError('nnlab expand needs exactly one of --shifts and --spec SPEC');
  if (values.copies !== undefined && values.spec === undefined) throw new UsageError('--copies goes with --spec');
  const copies = (values.copies as number | undefined) ?? 4;
  if (copies < 1) throw new UsageError(`--copies: expected at least 1, got ${copies}`);
  const validation = (values['validation-size'] as number | undefined) ?? 10000;
  if (validation < 0) throw new UsageError(`--validation-size: expected 0 or more, got ${validation}`);
  const seed = (values.seed as number | undefined) ?? 1;
  const source = values.data === undefined ? mnistDir() : String(values.data);
  const out = String(values.out);
  if (!existsSync(source)) throw new NnlabError(`${source}: no such data folder`);
  // the training files would be replaced by their expansion, and the originals lost, even with --force
  if (existsSync(out) && realpathSync(out) === realpathSync(source))
    throw new NnlabError(`--out ${out} is the --data folder: the expanded files would replace the originals; choose another folder`);

  const imagesPath = locate(source, IDX_FILES.trainImages);
  const labelsPath = locate(source, IDX_FILES.trainLabels);
  const images = readIdxFile(imagesPath);
  const file = exampleSet(images, readIdxFile(labelsPath, 1), imagesPath, labelsPath);
  if (validation >= file.count) throw new NnlabError(`--validation-size ${validation} leaves no training images (${imagesPath} holds ${file.count})`);
  const trainCount = file.count - validation;

  const rng = new Rng(seed);
  const distortRng = rng.fork();
  const shuffleRng = rng.fork();
  const spec = values.spec === undefined ? null : parseAugmentSpec(String(values.spec));
  const mode: ExpandMode = spec ? { kind: 'distort', pipeline: AugmentPipeline.fromSpec(spec, file.shape), copies, rng: distortRng } : { kind: 'shifts' };
  const k = expansionFactor(mode);

  const testImages = locate(source, IDX_FILES.testImages);
  const testLabels = locate(source, IDX_FILES.testLabels);
  if (existsSync(out) && !statSync(out).isDirectory()) throw new NnlabError(`--out ${out}: is a file, not a folder`);
  mkdirSync(out, { recursive: true });
  const targets = [IDX_FILES.trainImages, IDX_FILES.trainLabels, IDX_FILES.testImages, IDX_FILES.testLabels].flatMap((n) => [n, n + '.gz']);
  const clash = targets.filter((n) => existsSync(join(out, n)));
  if (clash.length && values.force !== true) throw new NnlabError(`${out}: already holds ${clash.join(', ')}; add --force to overwrite`);

  process.stderr.write(`expanding ${trainCount} training images ×${k} (${spec ? `original + ${copies} × ${formatAugmentSpec(spec)}` : "the book's four one-pixel shifts"})...\n`);
  const expanded = expandExamples(subset(file, 0, trainCount), mode, values['keep-order'] === true ? null : shuffleRng);
  const val = subset(file, trainCount, validation);
  const total = expanded.count + validation;
  const pixels = file.pixels instanceof Uint8Array ? new Uint8Array(total * (file.pixels.length / file.count)) : new Float32Array(total * (file.pixels.length / file.count));
  pixels.set(expanded.pixels, 0);
  pixels.set(val.pixels, expanded.pixels.length);
  const labels = new Uint8Array(total);
  labels.set(expanded.labels, 0);
  labels.set(val.labels, expanded.count);

  // the training file's own dimensions after the count (e.g. 28x28), the test files byte for byte
  writeFileAtomic(join(out, IDX_FILES.trainImages), encodeIdx([total, ...images.dims.slice(1)], pixels));
  writeFileAtomic(join(out, IDX_FILES.trainLabels), encodeIdx([total], labels));
  for (const p of [testImages, testLabels]) writeFileAtomic(join(out, basename(p)), readFileSync(p));
  const record = {
    source,
    mode: spec ? 'distort' : 'shifts',
    spec: spec ? formatAugmentSpec(spec) : null,
    copiesPerImage: k - 1,
    seed,
    shuffled: values['keep-order'] !== true,
    originalTrainingImages: trainCount,
    expandedTrainingImages: expanded.count,
    validationSize: validation,
    trainingFileImages: total,
    note: `the last ${validation} images of ${IDX_FILES.trainImages} are the original validation images, unexpanded: train with --validation-size ${validation} (the default is 10000)`,
  };
  writeFileAtomic(join(out, 'expand.json'), JSON.stringify(record, null, 2) + '\n');
  process.stdout.write(`wrote ${out}: ${expanded.count} training images (${trainCount} × ${k}) + ${validation} validation images at the end of ${IDX_FILES.trainImages}; test files copied\n`);
  return 0;
}
