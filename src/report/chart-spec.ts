/**
 * A chart as plain data: what the report's page script hands to uPlot. The report generators
 * build these from run records; the page only draws them.
 */
export interface ChartSeries {
  label: string;
  /** One value per x (null: no value at that x). */
  values: (number | null)[];
  /** CSS colour, #rrggbb. */
  color: string;
  dash?: number[];
  /** Spread across seeds: lowest and highest value per x, drawn as a shaded band. */
  lo?: (number | null)[];
  hi?: (number | null)[];
}

export interface ChartSpec {
  id: string;
  title: string;
  note?: string;
  xLabel: string;
  yLabel: string;
  /** `line` for per-epoch curves, `bars` for histograms (x = bin centres). */
  kind: 'line' | 'bars';
  x: number[];
  series: ChartSeries[];
  /** Logarithmic y axis (for learning rates spanning decades). */
  logY?: boolean;
  /** Logarithmic x axis (e.g. training-set sizes). */
  logX?: boolean;
}

/** A colour-blind-friendly palette (Okabe–Ito, then Tableau), cycled. */
export const PALETTE = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#f0e442', '#000000', '#8c564b', '#7f7f7f', '#bcbd22', '#17becf'];

export function colorAt(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

/** Number of data points a chart holds (for checks). */
export function chartPoints(c: ChartSpec): number {
  return c.series.reduce((s, ser) => s + ser.values.filter((v) => v !== null).length, 0);
}
