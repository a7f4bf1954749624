import { NnlabError } from '../../core/errors.js';
import { loadSplits } from '../../node/data.js';
import { decodeModel } from '../../network/model-file.js';
import { scoreEnsemble } from '../../train/ensemble.js';
import { Evaluator } from '../../train/evaluate.js';
import { kernelsFor } from '../backend.js';
import { formatHelp, parseFlags, type FlagSpec } from '../flags.js';
import { readModelBytes } from './eval.js';

const FLAGS: FlagSpec[] = [
  { name: 'model', type: 'string', repeat: true, arg: 'FILE', help: 'a network saved by nnlab train --save (give two or more)' },
  { name: 'data', type: 'string', arg: 'DIR', help: 'folder with the four IDX files; default: embedded MNIST' },
  { name: 'backend', type: 'string', arg: 'NAME', help: 'kernel backend (auto)' },
  { name: 'json', type: 'boolean', help: 'print one JSON object' },
  { name: 'help', type: 'boolean', help: 'show this help' },
];

const pct = (a: number) => `${(100 * a).toFixed(2)} %`;

/** `nnlab ensemble --model A --model B ...`: the plurality vote and the mean of outputs of saved networks on the test set. */
export async function ensembleCommand(argv: string[]): Promise<number> {
  const { values, positional } = parseFlags(argv, FLAGS, 'ensemble');
  if (values.help) {
    process.stdout.write(
      formatHelp(
        'usage: nnlab ensemble --model A --model B [--model C ...] [--data DIR] [--json]',
        "Test accuracy of saved networks voting together (the book's chapter-6 ensemble: each network votes for its most active output, most votes win; ties go to the largest summed output), and of the mean of their outputs.",
        FLAGS,
      ),
    );
    return 0;
  }
  if (positional.length) throw new NnlabError(`nnlab ensemble: unexpected argument "${positional[0]}" (give each network as --model FILE)`);
  const files = (values.model as string[] | undefined) ?? [];
  if (files.length === 0) throw new NnlabError("nnlab ensemble needs --model FILE at least once (networks saved by 'nnlab train --save FILE')");
  const kernels = await kernelsFor(String(values.backend ?? 'auto'));
  const data = loadSplits({ source: String(values.data ?? 'mnist'), trainSize: null, validationSize: 0, augment: '' });
  const test = data.test;
  let classes = -1;
  const outputs: Float32Array[] = [];
  for (const file of files) {
    const { network, header } = decodeModel(readModelBytes(file), kernels, file);
    if (test.shape.join('x') !== header.inputShape.join('x'))
      throw new NnlabError(`${file}: the network takes inputs of shape ${header.inputShape.join('x')}, the test data has ${test.shape.join('x')}`);
    if (classes >= 0 && header.classes !== classes) throw new NnlabError(`${file}: the network has ${header.classes} outputs, ${files[0]} has ${classes}`);
    classes = header.classes;
    const out = new Float32Array(test.count * classes);
    new Evaluator(network, classes).evaluate(test, false, (start, count, o) => out.set(o.subarray(0, count * classes), start * classes));
    outputs.push(out);
  }
  const s = scoreEnsemble(outputs, test.labels, classes);
  if (values.json) {
    process.stdout.write(
      JSON.stringify({
        models: files.map((f, i) => ({ model: f, testAccuracy: s.members[i]!.accuracy, correct: s.members[i]!.correct })),
        count: s.count,
        voteAccuracy: s.vote.accuracy,
        voteCorrect: s.vote.correct,
        meanAccuracy: s.mean.accuracy,
        meanCorrect: s.mean.correct,
        voteErrors: s.voteErrors,
      }) + '\n',
    );
    return 0;
  }
  const w = Math.max(...files.map((f) => f.length));
  files.forEach((f, i) => process.stdout.write(`${f.padEnd(w)}  ${pct(s.members[i]!.accuracy)} (${s.members[i]!.correct} / ${s.count})\n`));
  process.stdout.write(`plurality vote of ${files.length}: ${pct(s.vote.accuracy)} (${s.vote.correct} / ${s.count}, ${s.count - s.vote.correct} errors)\n`);
  process.stdout.write(`mean of outputs:    ${pct(s.mean.accuracy)} (${s.mean.correct} / ${s.count})\n`);
  return 0;
}
