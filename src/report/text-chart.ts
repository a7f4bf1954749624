/** Eighths of a character cell, bottom-up. */
const BLOCKS = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

export interface TextChartOptions {
  /** Rows of the chart (default 8). */
  height?: number;
  /** Most columns; longer series are bucketed, each column showing its bucket's last value (default 60). */
  width?: number;
  /** Formats the axis labels (default: 4 significant digits). */
  format?: (v: number) => string;
  /** Title printed above the chart. */
  title?: string;
}

/**
 * A small bar chart of a series in plain text, for the terminal: one column per epoch (or per
 * bucket of epochs), bars in eighth-block characters, the axis from the series' min to its max.
 * Missing values (null) leave an empty column. Returns lines joined by newlines ('' if no data).
 */
export function textChart(series: readonly (number | null)[], opts: TextChartOptions = {}): string {
  const height = Math.max(1, opts.height ?? 8);
  const width = Math.max(1, opts.width ?? 60);
  const fmt = opts.format ?? ((v: number) => v.toPrecision(4));
  const vals = series.filter((v): v is number => v !== null && Number.isFinite(v));
  if (vals.length === 0) return '';
  let lo = Math.min(...vals);
  let hi = Math.max(...vals);
  if (hi === lo) {
    lo -= Math.abs(lo) * 0.01 || 0.01;
    hi += Math.abs(hi) * 0.01 || 0.01;
  }
  // Leave the lowest value a sliver of bar, so every present value is visible.
  const floor = lo - (hi - lo) / (height * 8);
  const cols = Math.min(width, series.length);
  const per = series.length / cols;
  const columns: (number | null)[] = [];
  for (let c = 0; c < cols; c++) {
    const end = Math.min(series.length, Math.round((c + 1) * per)) - 1;
    const start = Math.round(c * per);
    let v: number | null = null;
    for (let i = end; i >= start && v === null; i--) {
      const s = series[i];
      if (s !== null && s !== undefined && Number.isFinite(s)) v = s;
    }
    columns.push(v);
  }
  // Short series: widen each column (up to 3 characters) so that the chart stays readable.
  const stretch = Math.max(1, Math.min(3, Math.floor(width / columns.length)));
  const levels = columns.flatMap((v) => new Array<number>(stretch).fill(v === null ? 0 : Math.max(1, Math.round(((v - floor) / (hi - floor)) * height * 8))));
  const hiLabel = fmt(hi);
  const loLabel = fmt(lo);
  const w = Math.max(hiLabel.length, loLabel.length);
  const lines: string[] = [];
  if (opts.title) lines.push(opts.title);
  for (let row = height - 1; row >= 0; row--) {
    const label = row === height - 1 ? hiLabel : row === 0 ? loLabel : '';
    const cells = levels.map((l) => BLOCKS[Math.max(0, Math.min(8, l - row * 8))]!).join('');
    lines.push(`${label.padStart(w)} │${cells}`);
  }
  const firstEpoch = 1;
  const lastEpoch = series.length;
  const axis = `${' '.repeat(w)} └${'─'.repeat(levels.length)}`;
  const ticks = `${' '.repeat(w)}  ${String(firstEpoch).padEnd(Math.max(1, levels.length - String(lastEpoch).length))}${lastEpoch}`;
  lines.push(axis, ticks + '  (epoch)');
  return lines.join('\n');
}
