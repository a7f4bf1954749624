import { formatArchitecture } from '../network/arch.js';
import type { EpochRecord } from '../train/trainer.js';
import type { ChartSeries, ChartSpec } from './chart-spec.js';
import { CLIENT_JS } from './client.js';
import { escapeHtml, page, round, type ReportAssets } from './html.js';
import { SERIES_LABELS, type RunRecord, type SeriesField, type TestAnalysis, type WeightHistogram } from './run-record.js';

const SET_COLORS = { train: '#0072b2', validation: '#d55e00', test: '#009e73' } as const;
const SET_DASH = { train: undefined, validation: undefined, test: [6, 4] } as const;

const pct = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : `${(100 * v).toFixed(2)} %`);

/** The values of one field over the epochs, rounded; accuracies as percentages. */
export function seriesOf(epochs: readonly EpochRecord[], field: SeriesField): (number | null)[] {
  const acc = field.endsWith('Accuracy');
  return epochs.map((e) => {
    const v = e[field];
    return v === null ? null : round(acc ? 100 * v : v, 6);
  });
}

function setChart(id: string, title: string, yLabel: string, all: readonly EpochRecord[], fields: { field: SeriesField; set: keyof typeof SET_COLORS }[], note?: string): ChartSpec | null {
  // Only the epochs with a value (with monitor.interval > 1 most epochs have none).
  const epochs = all.filter((e) => fields.some(({ field }) => e[field] !== null));
  const series: ChartSeries[] = [];
  for (const { field, set } of fields) {
    const values = seriesOf(epochs, field);
    if (values.every((v) => v === null)) continue;
    const s: ChartSeries = { label: SERIES_LABELS[field], values, color: SET_COLORS[set] };
    const dash = SET_DASH[set];
    if (dash) s.dash = [...dash];
    series.push(s);
  }
  if (series.length === 0) return null;
  return { id, title, yLabel, xLabel: 'epoch', kind: 'line', x: epochs.map((e) => e.epoch), series, ...(note ? { note } : {}) };
}

/** The charts of a run report, in page order (only those with data). */
export function runCharts(r: RunRecord): ChartSpec[] {
  const charts: (ChartSpec | null)[] = [
    setChart('cost', 'Cost per epoch', 'cost', r.epochs, [
      { field: 'trainCost', set: 'train' },
      { field: 'validationCost', set: 'validation' },
      { field: 'testCost', set: 'test' },
    ], 'The cost includes the regularization penalty. Training cost falling while validation/test cost rises is overfitting.'),
    setChart('accuracy', 'Accuracy per epoch', 'accuracy (%)', r.epochs, [
      { field: 'trainAccuracy', set: 'train' },
      { field: 'validationAccuracy', set: 'validation' },
      { field: 'testAccuracy', set: 'test' },
    ]),
    setChart('lr', 'Learning rate η', 'η', r.epochs, [{ field: 'learningRate', set: 'train' }]),
  ];
  for (const [i, w] of r.weights.entries()) charts.push(histogramChart(`w${i}`, w));
  return charts.filter((c): c is ChartSpec => c !== null);
}

function histogramChart(id: string, w: WeightHistogram): ChartSpec {
  const centers = w.counts.map((_, i) => round((w.edges[i]! + w.edges[i + 1]!) / 2, 4)!);
  return {
    id,
    title: `Weights ${w.name} (${w.shape.join('×')})`,
    note: `${w.count} weights · ${(100 * w.nearZero).toFixed(1)} % with |w| < 0.001 · mean |w| ${w.meanAbs.toPrecision(3)} · rms ${w.rms.toPrecision(3)} · max |w| ${w.maxAbs.toPrecision(3)}`,
    xLabel: 'w',
    yLabel: 'weights',
    kind: 'bars',
    x: centers,
    series: [{ label: 'count', values: w.counts, color: '#0072b2' }],
  };
}

/** The confusion matrix as an HTML table, each cell shaded by its share of the true class's row. */
export function confusionTable(t: TestAnalysis): string {
  const head = `<tr><th>true ↓ / predicted →</th>${t.confusion.map((_, j) => `<th>${j}</th>`).join('')}<th>recall</th></tr>`;
  const rows = t.confusion.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    const cells = row.map((n, j) => {
      const f = total ? n / total : 0;
      const bg = i === j ? `rgba(0,158,115,${(0.15 + 0.85 * f).toFixed(3)})` : n ? `rgba(213,94,0,${Math.min(1, 0.08 + 6 * f).toFixed(3)})` : '#fafafa';
      return `<td style="background:${bg}" title="true ${i}, predicted ${j}: ${n}">${n}</td>`;
    });
    return `<tr><th>${i}</th>${cells.join('')}<td>${total ? ((100 * row[i]!) / total).toFixed(1) : '–'}%</td></tr>`;
  });
  return `<table class="confusion" id="confusion">${head}${rows.join('')}</table>`;
}

function chartDiv(c: ChartSpec): string {
  return `<div class="chart"><h3>${escapeHtml(c.title)}</h3><div id="chart-${c.id}"></div>${c.note ? `<p class="note">${escapeHtml(c.note)}</p>` : ''}</div>`;
}

/** The summary numbers of a run as table rows. */
function summaryRows(r: RunRecord): [string, string][] {
  const res = r.result;
  const rows: [string, string][] = [
    ['test accuracy (kept weights)', `${pct(res.testAccuracy)}${res.bestEpoch !== null ? ` (epoch ${res.bestEpoch})` : ''}`],
    ['test accuracy (last epoch)', pct(res.finalTestAccuracy)],
    ['test cost', res.testCost.toFixed(4)],
    ['best validation accuracy', res.bestValidationAccuracy === null ? 'not monitored' : `${pct(res.bestValidationAccuracy)} at epoch ${res.bestEpoch}`],
    ['epochs', `${r.epochs.length} of ${r.config.epochs}${res.stopReason ? ` (${res.stopReason})` : ''}`],
    ['time', `${res.seconds.toFixed(1)} s`],
    ['parameters', String(res.parameters)],
  ];
  if (res.diverged) rows.push(['diverged', res.diverged]);
  return rows;
}

/**
 * The self-contained HTML report of one run: cost, accuracy and learning rate per epoch, the
 * test-set confusion matrix, misclassified test digits, weight histograms per layer, and the full
 * config with its seed. `assets` is the chart library to inline (the page needs no network).
 */
export function runReportHtml(r: RunRecord, assets: ReportAssets): string {
  const charts = runCharts(r);
  const curves = charts.filter((c) => c.kind === 'line');
  const hists = charts.filter((c) => c.kind === 'bars');
  const arch = formatArchitecture(r.config.network.layers);
  const data = {
    charts,
    test: r.test ? { imageShape: r.test.imageShape, misclassified: r.test.misclassified, pixels: r.test.pixels } : null,
  };
  const test = r.test;
  const body = `
<h1>nnlab run · ${escapeHtml(r.name)}</h1>
<p class="sub">${escapeHtml(arch)} · cost ${escapeHtml(r.config.cost)} · η ${r.config.learningRate} · mini-batch ${r.config.batchSize} · optimizer ${escapeHtml(r.config.optimizer.type)} · L2 λ ${r.config.regularization.l2}${r.config.regularization.l1 ? ` · L1 λ ${r.config.regularization.l1}` : ''} · <span class="seed">seed <b>${r.config.seed}</b></span> · ${escapeHtml(r.createdAt)}</p>
<table class="nums" id="summary">${summaryRows(r).map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td class="l">${escapeHtml(v)}</td></tr>`).join('')}</table>
<h2>Learning curves</h2>
<div class="charts">${curves.map(chartDiv).join('')}</div>
${test ? `<h2>Test set: confusion matrix (${test.correct} of ${test.count} right, ${pct(test.correct / test.count)})</h2>
${confusionTable(test)}
<h2>Misclassified test digits (first ${test.misclassified.length}; true → <b>predicted</b>)</h2>
<div class="digits" id="digits"></div>` : ''}
<h2>Weights per layer</h2>
<p class="sub">L1 regularization drives many weights to (nearly) zero: a tall spike at 0. L2 shrinks all weights in proportion: a narrow bell.</p>
<div class="charts">${hists.map(chartDiv).join('')}</div>
<h2>Config (seed ${r.config.seed})</h2>
<pre class="config" id="config">${escapeHtml(JSON.stringify(r.config, null, 2))}</pre>
`;
  return page(`nnlab run ${r.name}`, body, data, assets, CLIENT_JS);
}
