import type { RunConfig } from '../core/config.js';
import type { EpochRecord } from '../train/trainer.js';
import { colorAt, type ChartSpec } from './chart-spec.js';
import { CLIENT_JS } from './client.js';
import { escapeHtml, page, round, type ReportAssets } from './html.js';
import { SERIES_LABELS, type SeriesField } from './run-record.js';

/** One finished run of a comparison. */
export interface ComparedRun {
  seed: number;
  /** Link to the run's folder or report, relative to the comparison report (null: none). */
  link: string | null;
  epochs: EpochRecord[];
  testAccuracy: number | null;
  bestValidationAccuracy: number | null;
  /** Set when the run failed (then `epochs` may be empty). */
  error?: string;
}

/** The runs of one setting, across seeds. */
export interface ComparedGroup {
  label: string;
  config: RunConfig | null;
  runs: ComparedRun[];
}

export interface ComparisonInput {
  title: string;
  description: string;
  createdAt: string;
  /** The command line that made it. */
  command?: string;
  groups: ComparedGroup[];
  /** Which per-epoch curves to overlay, one chart each. */
  metrics: SeriesField[];
  /**
   * A chart of final accuracy against a numeric setting, one x per group (e.g. B13: accuracy
   * against training-set size).
   */
  versus?: { xLabel: string; x: number[]; logX?: boolean };
  /** A table to show instead of the default summary (e.g. a sweep's ranking). */
  table?: { columns: string[]; rows: string[][] };
}

/** Mean, lowest and highest of the non-null values. */
function stats(vs: (number | null)[]): { mean: number | null; lo: number | null; hi: number | null } {
  const xs = vs.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length === 0) return { mean: null, lo: null, hi: null };
  return { mean: xs.reduce((a, b) => a + b, 0) / xs.length, lo: Math.min(...xs), hi: Math.max(...xs) };
}

/**
 * One chart overlaying every group's curve of `field`: the mean across its seeds per epoch, and
 * (with two or more seeds) the band from the lowest to the highest. Accuracies in percent.
 */
export function overlayChart(groups: readonly ComparedGroup[], field: SeriesField): ChartSpec | null {
  const acc = field.endsWith('Accuracy');
  // x: every epoch at which some run has a value (sparse with monitor.interval > 1).
  const xs = new Set<number>();
  for (const g of groups) for (const r of g.runs) for (const e of r.epochs) if (e[field] !== null) xs.add(e.epoch);
  const x = [...xs].sort((a, b) => a - b);
  const series = groups.flatMap((g, gi) => {
    const runs = g.runs.filter((r) => r.epochs.length > 0);
    const byEpoch = runs.map((r) => new Map(r.epochs.map((e) => [e.epoch, e[field]] as const)));
    const per = x.map((ep) => stats(byEpoch.map((m) => { const v = m.get(ep); return v === undefined || v === null ? null : acc ? 100 * v : v; })));
    if (per.every((p) => p.mean === null)) return [];
    const s = { label: g.label, color: colorAt(gi), values: per.map((p) => round(p.mean, 6)) };
    return runs.length > 1 ? [{ ...s, lo: per.map((p) => round(p.lo, 6)), hi: per.map((p) => round(p.hi, 6)) }] : [s];
  });
  if (series.length === 0) return null;
  return { id: field, title: SERIES_LABELS[field], xLabel: 'epoch', yLabel: acc ? 'accuracy (%)' : field === 'learningRate' ? 'η' : 'cost', kind: 'line', x, series, ...(field === 'learningRate' ? { logY: true } : {}) };
}

/** Last non-null value of a field in a run. */
function lastValue(r: ComparedRun, f: SeriesField): number | null {
  for (let i = r.epochs.length - 1; i >= 0; i--) {
    const v = r.epochs[i]![f];
    if (v !== null) return v;
  }
  return null;
}

/**
 * Final accuracy (validation, else test) against a numeric setting of each group, e.g. the
 * training-set size: mean across seeds with the spread as a band.
 */
export function versusChart(groups: readonly ComparedGroup[], v: { xLabel: string; x: number[]; logX?: boolean }): ChartSpec | null {
  const order = v.x.map((x, i) => ({ x, g: groups[i] })).filter((p): p is { x: number; g: ComparedGroup } => p.g !== undefined).sort((a, b) => a.x - b.x);
  const series = (['validationAccuracy', 'testAccuracy'] as const).flatMap((field, si) => {
    const per = order.map(({ g }) => stats(g.runs.map((r) => { const a = lastValue(r, field); return a === null ? null : 100 * a; })));
    if (per.every((p) => p.mean === null)) return [];
    const many = order.some(({ g }) => g.runs.length > 1);
    const s = { label: `final ${SERIES_LABELS[field]}`, color: colorAt(si), values: per.map((p) => round(p.mean, 6)) };
    return many ? [{ ...s, lo: per.map((p) => round(p.lo, 6)), hi: per.map((p) => round(p.hi, 6)) }] : [s];
  });
  if (series.length === 0) return null;
  return { id: 'versus', title: `Accuracy against ${v.xLabel}`, xLabel: v.xLabel, yLabel: 'accuracy (%)', kind: 'line', x: order.map((p) => p.x), series, ...(v.logX ? { logX: true } : {}) };
}

const pct = (v: number | null) => (v === null ? 'n/a' : `${(100 * v).toFixed(2)}`);

/** mean ± standard deviation (sample) of fractions, in percent. */
export function meanSd(vs: (number | null)[]): string {
  const xs = vs.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length === 0) return 'n/a';
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length === 1) return pct(m);
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
  return `${pct(m)} ± ${(100 * sd).toFixed(2)}`;
}

/** Last non-null value of a field in a run. */
function last(r: ComparedRun, f: SeriesField): number | null {
  for (let i = r.epochs.length - 1; i >= 0; i--) {
    const v = r.epochs[i]![f];
    if (v !== null) return v;
  }
  return null;
}

/** The default summary: one row per group (accuracies in %, mean ± sd over seeds). */
export function summaryTable(groups: readonly ComparedGroup[]): { columns: string[]; rows: string[][] } {
  const columns = ['setting', 'runs', 'best validation acc. %', 'test acc. % (kept weights)', 'final training cost', 'epochs'];
  const rows = groups.map((g) => {
    const ok = g.runs.filter((r) => !r.error);
    const costs = ok.map((r) => last(r, 'trainCost')).filter((v): v is number => v !== null);
    return [
      g.label,
      `${ok.length}${ok.length < g.runs.length ? ` (${g.runs.length - ok.length} failed)` : ''}`,
      meanSd(ok.map((r) => r.bestValidationAccuracy)),
      meanSd(ok.map((r) => r.testAccuracy)),
      costs.length ? (costs.reduce((a, b) => a + b, 0) / costs.length).toFixed(4) : 'n/a',
      ok.length ? String(Math.max(...ok.map((r) => r.epochs.length))) : '0',
    ];
  });
  return { columns, rows };
}

/** A table as aligned plain text, for stdout. */
export function textTable(t: { columns: string[]; rows: string[][] }): string {
  const w = t.columns.map((c, i) => Math.max(c.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  // Text columns (most cells not numbers) left-aligned, number columns right-aligned.
  const left = t.columns.map((_, i) => i === 0 || t.rows.filter((r) => r[i] !== 'n/a' && Number.isNaN(parseFloat(r[i] ?? ''))).length * 2 > t.rows.length);
  const line = (cells: string[]) => cells.map((c, i) => (left[i] ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ').trimEnd();
  return [line(t.columns), w.map((n) => '-'.repeat(n)).join('  '), ...t.rows.map(line)].join('\n');
}

/**
 * The self-contained HTML comparison report: one chart per metric overlaying every setting's
 * mean curve with its spread across seeds, the summary table, and links to each run's report.
 */
export function comparisonReportHtml(c: ComparisonInput, assets: ReportAssets): string {
  const charts = [...(c.versus ? [versusChart(c.groups, c.versus)] : []), ...c.metrics.map((m) => overlayChart(c.groups, m))].filter((x): x is ChartSpec => x !== null);
  const table = c.table ?? summaryTable(c.groups);
  const seeds = Math.max(0, ...c.groups.map((g) => g.runs.length));
  const body = `
<h1>${escapeHtml(c.title)}</h1>
<p class="sub">${escapeHtml(c.description)}</p>
<p class="sub">${c.groups.length} settings × up to ${seeds} seed${seeds === 1 ? '' : 's'}${seeds > 1 ? ' · lines: mean across seeds, shaded: lowest to highest' : ''} · ${escapeHtml(c.createdAt)}${c.command ? ` · <code>${escapeHtml(c.command)}</code>` : ''}</p>
<table class="nums" id="summary"><tr>${table.columns.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>${table.rows
    .map((r) => `<tr>${r.map((v, i) => `<td${i === 0 ? ' class="l"' : ''}>${escapeHtml(v)}</td>`).join('')}</tr>`)
    .join('')}</table>
<h2>Curves</h2>
<div class="charts">${charts.map((ch) => `<div class="chart"><h3>${escapeHtml(ch.title)}</h3><div id="chart-${ch.id}"></div></div>`).join('')}</div>
<h2>Runs</h2>
<ul>${c.groups
    .map((g) => `<li>${escapeHtml(g.label)}: ${g.runs
      .map((r) => (r.error ? `seed ${r.seed}: <b>failed</b> (${escapeHtml(r.error)})` : r.link ? `<a href="${escapeHtml(r.link)}">seed ${r.seed}</a>` : `seed ${r.seed}`))
      .join(', ')}</li>`)
    .join('')}</ul>
`;
  return page(c.title, body, { charts, test: null }, assets, CLIENT_JS);
}
