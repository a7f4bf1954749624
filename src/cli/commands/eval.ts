import { readFileSync } from 'node:fs';
import { fsProblem } from '../../node/atomic.js';
import { NnlabError } from '../../core/errors.js';
import { loadSplits } from '../../node/data.js';
import { decodeModel } from '../../network/model-file.js';
import { argmax, Evaluator } from '../../train/evaluate.js';
import { ttaViews, viewOf } from '../../data/augment/views.js';
import { kernelsFor } from '../backend.js';
import { formatHelp, parseFlags, type FlagSpec } from '../flags.js';

/** `--tta`, shared with `nnlab ensemble`. */
export const TTA_FLAG: FlagSpec = {
  name: 'tta',
  type: 'string',
  arg: 'none|shift4|shift8',
  help: 'test-time augmentation: a network answers with the mean of its outputs on the image and on copies moved one pixel (shift4: down, up, right, left; shift8: and the diagonals); the scores without are printed beside (default none)',
};

const FLAGS: FlagSpec[] = [
  { name: 'model', type: 'string', arg: 'FILE', help: 'a network saved by nnlab train --save' },
  { name: 'data', type: 'string', arg: 'DIR', help: 'folder with the four IDX files; default: embedded MNIST' },
  TTA_FLAG,
  { name: 'backend', type: 'string', arg: 'NAME', help: 'kernel backend (auto)' },
  { name: 'json', type: 'boolean', help: 'print one JSON object' },
  { name: 'help', type: 'boolean', help: 'show this help' },
];

/** Read a saved network file, with a clear error when it cannot be read. */
export function readModelBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new NnlabError(`${path}: cannot read network file: ${fsProblem(e)}`);
  }
}

export async function evalCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, FLAGS, 'eval');
  if (values.help) {
    process.stdout.write(formatHelp('usage: nnlab eval --model FILE [--data DIR]', 'Accuracy and cost of a saved network on the test set.', FLAGS));
    return 0;
  }
  if (values.model === undefined) throw new NnlabError("nnlab eval needs --model FILE (a network saved by 'nnlab train --save FILE')");
  const ttaName = String(values.tta ?? 'none');
  const views = ttaViews(ttaName);
  const kernels = await kernelsFor(String(values.backend ?? 'auto'));
  const { network, header } = decodeModel(readModelBytes(String(values.model)), kernels, String(values.model));
  const data = loadSplits({ source: String(values.data ?? 'mnist'), trainSize: null, validationSize: 0, augment: '' });
  if (data.test.shape.join('x') !== header.inputShape.join('x'))
    throw new NnlabError(`${values.model}: the network takes inputs of shape ${header.inputShape.join('x')}, the test data has ${data.test.shape.join('x')}`);
  if (data.classes > header.classes)
    throw new NnlabError(`${values.model}: the network has ${header.classes} outputs, the data in ${values.data} has ${data.classes} classes`);
  const evaluator = new Evaluator(network, header.classes);
  const ev = evaluator.evaluate(data.test);
  const pct = (a: number) => `${(100 * a).toFixed(2)} %`;
  if (views.length === 1) {
    if (values.json) process.stdout.write(JSON.stringify({ model: values.model, testAccuracy: ev.accuracy, testCost: ev.cost, correct: ev.correct, count: ev.count }) + '\n');
    else process.stdout.write(`test accuracy ${pct(ev.accuracy)} (${ev.correct} / ${ev.count}), test cost ${ev.cost.toFixed(4)}\n`);
    return 0;
  }
  // test-time augmentation: the answer is the largest of the outputs averaged over the views
  const { mean } = evaluator.viewOutputs(views.map((v) => viewOf(data.test, v, String(values.data ?? 'mnist'))));
  let correct = 0;
  for (let r = 0; r < data.test.count; r++) if (argmax(mean, r * header.classes, header.classes) === data.test.labels[r]) correct++;
  const accuracy = correct / data.test.count;
  if (values.json)
    process.stdout.write(JSON.stringify({ model: values.model, tta: ttaName, testAccuracy: accuracy, correct, count: ev.count, withoutTta: { testAccuracy: ev.accuracy, testCost: ev.cost, correct: ev.correct } }) + '\n');
  else
    process.stdout.write(
      `test accuracy ${pct(accuracy)} (${correct} / ${ev.count}) with test-time views ${ttaName} (the mean of the outputs on ${views.length} views of each image); ` +
        `without: ${pct(ev.accuracy)} (${ev.correct} / ${ev.count}), test cost ${ev.cost.toFixed(4)}\n`,
    );
  return 0;
}
