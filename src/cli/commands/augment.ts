import { existsSync } from 'node:fs';
import { NnlabError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { sizeOf } from '../../core/shape.js';
import { AugmentPipeline, augmentSeed, formatAugmentSpec, parseAugmentSpec, STEP_NAMES, stepSyntax } from '../../data/augment/index.js';
import type { ExampleSet } from '../../data/dataset.js';
import { writeFileAtomic } from '../../node/atomic.js';
import { IDX_FILES, loadExampleSet, mnistDir } from '../../node/data.js';
import { encodePng } from '../../node/png.js';
import { formatHelp, parseFlags, UsageError, type FlagSpec } from '../flags.js';

/** The spec shown when none is given: every kind of distortion at once. */
export const PREVIEW_SPEC = 'shift:2,rotate:15,skew:0.3,scale:0.1,elastic:34:4';

const FLAGS: FlagSpec[] = [
  { name: 'preview', type: 'boolean', help: 'write a PNG grid: each row an original training image, then distorted versions of it' },
  { name: 'spec', type: 'string', arg: 'SPEC', help: `the distortions (default ${PREVIEW_SPEC})` },
  { name: 'out', type: 'string', arg: 'FILE.png', help: 'where to write the grid (default augment-preview.png)' },
  { name: 'data', type: 'string', arg: 'DIR', help: 'folder with the IDX files; default: embedded MNIST' },
  { name: 'count', type: 'int', arg: 'N', help: 'rows: the first N training images, from --start (default 8)' },
  { name: 'start', type: 'int', arg: 'I', help: 'index of the first training image shown (default 0)' },
  { name: 'copies', type: 'int', arg: 'K', help: 'distorted versions per image (default 8)' },
  { name: 'zoom', type: 'int', arg: 'Z', help: 'pixels per image pixel (default 3)' },
  { name: 'seed', type: 'int', arg: 'S', help: "seed (default 1; the distortions are those of a training run's epoch 1 only for the same images)" },
  { name: 'help', type: 'boolean', help: 'show this help' },
];

const USAGE = 'usage: nnlab augment --preview [--spec SPEC] [--out FILE.png]';
const DESCRIPTION = `See what the network is fed with --augment: a PNG grid, each row one training image (left, after a gap) beside distorted versions of it.\nSpec steps: ${STEP_NAMES.map(stepSyntax).join(', ')}; "@P" after a step, "p=P" for the whole pipeline (docs/augmentation.md).`;

/**
 * Lay images out in a grid: row r holds `originals` image r, a gap, then its `copies` versions.
 * Pixels in [0, 1] become 0..255 grey (or RGB for 3-channel images), each magnified `zoom` times.
 */
export function previewGrid(
  originals: ExampleSet,
  versions: Float32Array,
  copies: number,
  zoom: number,
): { width: number; height: number; channels: 1 | 3; pixels: Uint8Array } {
  const [c, h, w] = originals.shape.length === 3 ? (originals.shape as [number, number, number]) : [1, Math.sqrt(sizeOf(originals.shape)), Math.sqrt(sizeOf(originals.shape))];
  const channels: 1 | 3 = c === 3 ? 3 : 1;
  const size = c * h * w;
  const pad = 2;
  const gap = 3 * pad;
  const cellW = w * zoom;
  const cellH = h * zoom;
  const width = pad + cellW + gap + copies * (cellW + pad);
  const height = pad + originals.count * (cellH + pad);
  const pixels = new Uint8Array(width * height * channels).fill(96); // grey frame
  const scale = originals.pixels instanceof Uint8Array ? 1 / 255 : 1;
  const draw = (src: ArrayLike<number>, off: number, s: number, x0: number, y0: number) => {
    for (let y = 0; y < cellH; y++)
      for (let x = 0; x < cellW; x++)
        for (let ch = 0; ch < channels; ch++) {
          const v = src[off + ch * h * w + Math.floor(y / zoom) * w + Math.floor(x / zoom)]! * s;
          pixels[((y0 + y) * width + x0 + x) * channels + ch] = Math.max(0, Math.min(255, Math.round(v * 255)));
        }
  };
  for (let r = 0; r < originals.count; r++) {
    const y0 = pad + r * (cellH + pad);
    draw(originals.pixels, r * size, scale, pad, y0);
    for (let k = 0; k < copies; k++) draw(versions, (r * copies + k) * size, 1, pad + cellW + gap + k * (cellW + pad), y0);
  }
  return { width, height, channels, pixels };
}

export async function augmentCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, FLAGS, 'augment');
  if (values.help) {
    process.stdout.write(formatHelp(USAGE, DESCRIPTION, FLAGS));
    return 0;
  }
  if (!values.preview) throw new UsageError(`nnlab augment needs --preview (${USAGE}; --help for more)`);
  const spec = parseAugmentSpec(values.spec === undefined ? PREVIEW_SPEC : String(values.spec));
  const count = (values.count as number | undefined) ?? 8;
  const start = (values.start as number | undefined) ?? 0;
  const copies = (values.copies as number | undefined) ?? 8;
  const zoom = (values.zoom as number | undefined) ?? 3;
  for (const [flag, v, min, max] of [['count', count, 1, 1000], ['copies', copies, 1, 100], ['zoom', zoom, 1, 32], ['start', start, 0, Infinity]] as const)
    if (v < min || v > max) throw new UsageError(`--${flag}: expected ${min}..${max}, got ${v}`);
  const dir = values.data === undefined ? mnistDir() : String(values.data);
  if (!existsSync(dir)) throw new NnlabError(`${dir}: no such data folder`);
  const file = loadExampleSet(dir, IDX_FILES.trainImages, IDX_FILES.trainLabels);
  if (start + count > file.count) throw new UsageError(`--start ${start} --count ${count}: the training file holds ${file.count} images`);
  const size = sizeOf(file.shape);
  const originals: ExampleSet = {
    pixels: file.pixels.subarray(start * size, (start + count) * size),
    labels: file.labels.subarray(start, start + count),
    count,
    shape: file.shape,
  };
  const pipeline = AugmentPipeline.fromSpec(spec, file.shape);
  const rng = new Rng(augmentSeed((values.seed as number | undefined) ?? 1));
  const versions = new Float32Array(count * copies * size);
  const scale = originals.pixels instanceof Uint8Array ? 1 / 255 : 1;
  for (let r = 0; r < count; r++) for (let k = 0; k < copies; k++) pipeline.apply(originals.pixels, r * size, scale, versions, (r * copies + k) * size, rng);
  const g = previewGrid(originals, versions, copies, zoom);
  const out = String(values.out ?? 'augment-preview.png');
  writeFileAtomic(out, encodePng(g.width, g.height, g.pixels, g.channels));
  process.stdout.write(`wrote ${out} (${g.width}×${g.height}): ${count} images, each with ${copies} versions under ${formatAugmentSpec(spec)}\n`);
  return 0;
}
