/**
 * The command line proper: the table of subcommands and the error handling around them. Started by
 * `main.ts`, which first makes sure Node runs with `NODE_FLAGS`.
 */
import { NnlabError } from '../core/errors.js';
import { KernelMemoryError } from '../kernels/kernels.js';
import { ensembleCommand } from './commands/ensemble.js';
import { compareCommand } from './commands/compare.js';
import { augmentCommand } from './commands/augment.js';
import { evalCommand } from './commands/eval.js';
import { figureCommand } from './commands/figure.js';
import { sweepCommand } from './commands/sweep.js';
import { expandCommand } from './commands/expand.js';
import { presetsCommand } from './commands/presets.js';
import { reproduceCommand } from './commands/reproduce.js';
import { serveCommand } from './commands/serve.js';
import { trainCommand } from './commands/train.js';

type Command = { run: (argv: string[]) => Promise<number>; help: string };

/** Every subcommand, one line each. */
const COMMANDS: Record<string, Command> = {
  train: { run: trainCommand, help: 'train a network (nnlab train --help)' },
  eval: { run: evalCommand, help: 'score a saved network on the test set' },
  ensemble: { run: ensembleCommand, help: 'plurality vote and mean output of saved networks on the test set' },
  augment: { run: augmentCommand, help: 'see the distortions of --augment: nnlab augment --preview writes a PNG grid' },
  expand: { run: expandCommand, help: "write an expanded training set as IDX files (--shifts: the book's 250,000 images)" },
  presets: { run: presetsCommand, help: "list the book's experiments, one a line" },
  compare: { run: compareCommand, help: 'train runs differing in named settings, in parallel, and compare them in one report' },
  sweep: { run: sweepCommand, help: 'grid or random search over η, λ, μ, mini-batch size and widths, ranked on validation accuracy' },
  figure: { run: figureCommand, help: "reproduce a chapter-3 figure as a comparison report (nnlab figure --list)" },
  reproduce: { run: reproduceCommand, help: "run a book experiment with several seeds and compare with the book's figure" },
  serve: { run: serveCommand, help: 'the browser lab: train in a web page and watch the curves (nnlab serve --port N)' },
};

function usage(): string {
  const w = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return `usage: nnlab <command> [options]\n\ncommands:\n${Object.entries(COMMANDS)
    .map(([n, c]) => `  ${n.padEnd(w)}  ${c.help}`)
    .join('\n')}\n\n'nnlab <command> --help' lists a command's options.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 1 : 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`nnlab: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return cmd.run(rest);
}

// A closed pipe (`nnlab presets | head`) ends the program quietly.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof NnlabError || e instanceof KernelMemoryError) {
      process.stderr.write(`nnlab: ${e.message}\n`);
      process.exitCode = 2;
    } else throw e;
  },
);
