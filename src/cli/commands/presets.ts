import { PRESETS } from '../../train/presets.js';

/** `nnlab presets`: one preset a line, with the row of the book's figures it reproduces. */
export async function presetsCommand(): Promise<number> {
  const w = Math.max(...PRESETS.map((p) => p.name.length));
  for (const p of PRESETS) process.stdout.write(`${p.name.padEnd(w)}  ${p.row.padEnd(3)}  book ${(100 * p.book).toFixed(2)} % (${p.metric})  ${p.description}\n`);
  return 0;
}
