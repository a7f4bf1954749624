/**
 * Reports are pure functions of recorded runs: every chart of a run report and of a comparison
 * report gets its data, reports stay small, and the helpers (text chart, base64, histograms,
 * test-set analysis, the single-neuron toy, figure and sweep definitions) compute what they say.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig, type RunConfig } from '../src/core/config.js';
import { Rng } from '../src/core/rng.js';
import { referenceKernels } from '../src/kernels/reference.js';
import type { ExampleSet } from '../src/data/dataset.js';
import { buildNetwork, type EpochRecord } from '../src/train/trainer.js';
import { resolveConfig } from '../src/train/resolve.js';
import { analyzeTestSet, histogram, weightHistograms } from '../src/report/analysis.js';
import { fromBase64, toBase64 } from '../src/report/base64.js';
import { comparisonReportHtml, meanSd, overlayChart, summaryTable, textTable, versusChart, type ComparedGroup } from '../src/report/compare-report.js';
import { runCharts, runReportHtml } from '../src/report/run-report.js';
import type { RunRecord } from '../src/report/run-record.js';
import { endOfRunChart } from '../src/report/summary.js';
import { textChart } from '../src/report/text-chart.js';
import type { ChartSpec } from '../src/report/chart-spec.js';
import { reportAssets } from '../src/node/report-assets.js';
import { FIGURES, trainSingleNeuron } from '../src/train/figures.js';
import { figureVariants } from '../src/cli/commands/figure.js';
import { parseSearch, pointConfig, searchPoints, withHidden } from '../src/cli/commands/sweep.js';
import { parseVary, varyGrid } from '../src/cli/lab.js';

/** Synthetic per-epoch records shaped like an overfitting run. */
function epochs(n: number, seed = 1, monitorTest = true): EpochRecord[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => ({
    epoch: i + 1,
    seconds: 0.1,
    learningRate: i < n / 2 ? 0.5 : 0.25,
    trainCost: 2 / (i + 1) + 0.01 * rng.uniform(),
    trainAccuracy: Math.min(1, 0.6 + i / n),
    validationCost: 1 + 0.001 * i,
    validationAccuracy: 0.8 + 0.1 * (i / n) + 0.01 * rng.uniform(),
    testCost: monitorTest ? 1.1 + 0.001 * i : null,
    testAccuracy: monitorTest ? 0.79 + 0.1 * (i / n) : null,
  }));
}

function record(n: number): RunRecord {
  const config: RunConfig = resolveConfig({ epochs: n, seed: 7 });
  const rng = new Rng(3);
  const w0 = Float32Array.from({ length: 100 * 784 }, () => rng.normal() * 0.05);
  const w1 = Float32Array.from({ length: 10 * 100 }, () => rng.normal() * 0.3);
  const digits = 48;
  return {
    name: 'synthetic',
    createdAt: '2026-01-01T00:00:00Z',
    config,
    epochs: epochs(n),
    result: { testAccuracy: 0.9, testCost: 0.5, finalTestAccuracy: 0.89, bestValidationAccuracy: 0.91, bestEpoch: n - 3, seconds: 12, backend: 'wasm', parameters: 79510, stopReason: null, diverged: null },
    test: {
      classes: 10,
      count: 10000,
      correct: 9000,
      confusion: Array.from({ length: 10 }, (_, i) => Array.from({ length: 10 }, (_, j) => (i === j ? 900 : 11))),
      imageShape: [1, 28, 28],
      misclassified: Array.from({ length: digits }, (_, k) => ({ index: k * 7, label: k % 10, predicted: (k + 3) % 10 })),
      pixels: toBase64(Uint8Array.from({ length: digits * 784 }, (_, i) => (i * 37) % 256)),
    },
    weights: [histogram('0.dense.weights', [100, 784], w0), histogram('2.dense.weights', [10, 100], w1)],
  };
}

/** The JSON data element of a report page. */
function pageData(html: string): { charts: ChartSpec[]; test: { misclassified: unknown[]; pixels: string } | null } {
  const m = /<script type="application\/json" id="nnlab-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, 'the page embeds its data');
  return JSON.parse(m[1]!);
}

test('a run report has every chart with data, the confusion matrix, digits and config', () => {
  const r = record(30);
  const charts = runCharts(r);
  assert.deepEqual(charts.map((c) => c.id), ['cost', 'accuracy', 'lr', 'w0', 'w1']);
  const cost = charts[0]!;
  assert.deepEqual(cost.series.map((s) => s.label), ['training cost', 'validation cost', 'test cost']);
  for (const c of charts) for (const s of c.series) assert.equal(s.values.filter((v) => v !== null).length, c.x.length, `${c.id} ${s.label}`);
  assert.equal(charts[1]!.series[1]!.values[0], Number((100 * r.epochs[0]!.validationAccuracy!).toPrecision(6)), 'accuracies in percent');
  assert.equal(charts[3]!.series[0]!.values.reduce((a, b) => a! + b!, 0), 100 * 784, 'the histogram counts every weight');

  const html = runReportHtml(r, reportAssets());
  const data = pageData(html);
  assert.deepEqual(data.charts.map((c) => c.id), ['cost', 'accuracy', 'lr', 'w0', 'w1']);
  for (const c of data.charts) assert.ok(html.includes(`id="chart-${c.id}"`), `a place for chart ${c.id}`);
  assert.equal(data.test!.misclassified.length, 48);
  assert.equal(fromBase64(data.test!.pixels).length, 48 * 784);
  assert.ok(html.includes('id="confusion"') && html.includes('>900<'), 'the confusion matrix is a table of counts');
  assert.ok(html.includes('&quot;seed&quot;: 7'), 'the full config, seed included');
  assert.ok(html.includes(reportAssets().uplotJs.slice(0, 200)), 'uPlot is inlined');
  assert.ok(!/<script[^>]+src=|<link[^>]+href=/.test(html), 'nothing is loaded from elsewhere');
});

test('monitors that are off leave their series out; sparse monitoring keeps only monitored epochs', () => {
  const r = record(10);
  r.epochs = epochs(10, 1, false).map((e) => (e.epoch % 5 === 0 ? e : { ...e, trainCost: null, validationCost: null, trainAccuracy: null, validationAccuracy: null }));
  const charts = runCharts(r);
  const cost = charts.find((c) => c.id === 'cost')!;
  assert.deepEqual(cost.series.map((s) => s.label), ['training cost', 'validation cost']);
  assert.deepEqual(cost.x, [5, 10]);
});

test('a 400-epoch run report stays under 2 MB', () => {
  const html = runReportHtml(record(400), reportAssets());
  assert.ok(html.length < 2_000_000, `${html.length} bytes`);
  assert.equal(pageData(html).charts[0]!.x.length, 400);
});

test('a comparison overlays mean curves with the spread across seeds', () => {
  const groups: ComparedGroup[] = [0, 1].map((g) => ({
    label: `λ=${g}`,
    config: null,
    runs: [1, 2, 3].map((seed) => ({ seed, link: `g${g}/seed-${seed}/report.html`, epochs: epochs(20, seed + 10 * g), testAccuracy: 0.9 + 0.01 * seed, bestValidationAccuracy: 0.9 + 0.01 * seed })),
  }));
  const chart = overlayChart(groups, 'trainCost')!;
  assert.equal(chart.series.length, 2);
  const s = chart.series[0]!;
  const at0 = groups[0]!.runs.map((r) => r.epochs[0]!.trainCost!);
  assert.ok(Math.abs(s.values[0]! - at0.reduce((a, b) => a + b) / 3) < 1e-5);
  assert.ok(Math.abs(s.lo![0]! - Math.min(...at0)) < 1e-5 && Math.abs(s.hi![0]! - Math.max(...at0)) < 1e-5);
  assert.equal(overlayChart(groups, 'learningRate')!.logY, true);

  const t = summaryTable(groups);
  assert.deepEqual(t.rows[0]!.slice(0, 4), ['λ=0', '3', '92.00 ± 1.00', '92.00 ± 1.00']);
  assert.equal(meanSd([0.5]), '50.00');
  assert.match(textTable(t).split('\n')[2]!, /^λ=0\s+3\s+92\.00 ± 1\.00/);

  const v = versusChart(groups, { xLabel: 'training images', x: [1000, 100], logX: true })!;
  assert.deepEqual(v.x, [100, 1000], 'sorted by the setting');

  const html = comparisonReportHtml({ title: 'T', description: 'D', createdAt: 'now', groups, metrics: ['trainCost', 'validationAccuracy', 'testAccuracy'], versus: { xLabel: 'n', x: [1, 2] } }, reportAssets());
  const data = pageData(html);
  assert.deepEqual(data.charts.map((c) => c.id), ['versus', 'trainCost', 'validationAccuracy', 'testAccuracy']);
  for (const c of data.charts) assert.ok(c.series.every((x) => x.values.some((y) => y !== null)), c.id);
  assert.ok(html.includes('href="g1/seed-3/report.html"'));
  assert.ok(html.length < 2_000_000);
});

test('the text chart draws one bar per epoch (or bucket) between the min and the max', () => {
  const lines = textChart([0.5, 0.6, 0.7, null, 0.9], { height: 4, width: 60, format: (v) => v.toFixed(1), title: 'acc' }).split('\n');
  assert.equal(lines[0], 'acc');
  assert.equal(lines.length, 1 + 4 + 2);
  assert.ok(lines[1]!.startsWith('0.9 │'), lines[1]);
  assert.ok(lines[4]!.startsWith('0.5 │'), lines[4]);
  const bottom = lines[4]!.slice(5);
  assert.equal(bottom.length, 15, 'five epochs, three characters each');
  assert.equal(bottom.slice(9, 12), '   ', 'a missing value is an empty column');
  assert.equal(lines[1]!.slice(5).slice(12), '███', 'the maximum reaches the top');
  assert.equal(textChart([]), '');
  assert.equal(textChart(Array.from({ length: 400 }, (_, i) => i), { width: 50 }).split('\n')[0]!.length, '399.0 │'.length + 50);
  const end = endOfRunChart(epochs(5));
  assert.match(end, /^validation accuracy per epoch \(%\)/);
  assert.equal(endOfRunChart(epochs(3).map((e) => ({ ...e, validationAccuracy: null }))).split('\n')[0], 'test accuracy per epoch (%)');
});

test('base64 matches Node and round-trips', () => {
  for (const n of [0, 1, 2, 3, 4, 5, 1000]) {
    const b = Uint8Array.from({ length: n }, (_, i) => (i * 91 + 7) % 256);
    assert.equal(toBase64(b), Buffer.from(b).toString('base64'));
    assert.deepEqual(fromBase64(toBase64(b)), b);
  }
});

test('histograms count every weight; L1-like sparse weights show near-zero share', () => {
  const sparse = Float32Array.from({ length: 1000 }, (_, i) => (i % 4 === 0 ? (i % 8 === 0 ? 0.5 : -0.5) : 0));
  const h = histogram('w', [10, 100], sparse, 11);
  assert.equal(h.counts.reduce((a, b) => a + b, 0), 1000);
  assert.equal(h.nearZero, 0.75);
  assert.equal(h.maxAbs, 0.5);
  assert.equal(h.counts[5], 750, 'zeros in the middle bin');
  assert.ok(Math.abs(h.meanAbs - 0.125) < 1e-9);
  assert.ok(Math.abs(h.rms - Math.sqrt(0.0625)) < 1e-6);
});

test('the test-set analysis builds the confusion matrix and keeps misclassified pixels', () => {
  // 3 classes, 4 inputs: a network of one dense layer whose weights copy inputs 0..2 to outputs 0..2.
  const config = resolveConfig({ network: { layers: [{ type: 'dense', units: 3, activation: 'identity' }], init: 'default' }, cost: 'quadratic' });
  const net = buildNetwork(config, [4], 3, referenceKernels, new Rng(1));
  const [W, B] = net.params();
  W!.value.fill(0);
  B!.value.fill(0);
  for (let j = 0; j < 3; j++) W!.value[j * 4 + j] = 1;
  const pixels = new Uint8Array([9, 0, 0, 5, /**/ 0, 9, 0, 5, /**/ 0, 0, 9, 5, /**/ 9, 0, 0, 6, /**/ 0, 0, 9, 7]);
  const labels = new Uint8Array([0, 1, 2, 1, 0]);
  const set: ExampleSet = { pixels, labels, count: 5, shape: [4] };
  const a = analyzeTestSet(net, set, 3);
  assert.equal(a.count, 5);
  assert.equal(a.correct, 3);
  assert.deepEqual(a.confusion, [[1, 0, 1], [1, 1, 0], [0, 0, 1]]);
  assert.deepEqual(a.misclassified, [{ index: 3, label: 1, predicted: 0 }, { index: 4, label: 0, predicted: 2 }]);
  assert.deepEqual([...fromBase64(a.pixels)], [9, 0, 0, 6, 0, 0, 9, 7]);
  assert.deepEqual(weightHistograms(net.params()).map((h) => h.name), [W!.name], 'weights only, no biases');
});

test("the single sigmoid neuron learns as in the book's chapter 3", () => {
  // Book: from w = 0.6, b = 0.9 the output starts at 0.82 and, with the quadratic cost, reaches 0.09 after 300 epochs at η = 0.15.
  const q = trainSingleNeuron({ label: 'q', cost: 'quadratic', w: 0.6, b: 0.9, eta: 0.15, epochs: 300 }, referenceKernels);
  assert.ok(Math.abs(q.epochs[0]!.trainCost! - 0.5 * (1 / (1 + Math.exp(-1.5))) ** 2) < 1e-6);
  assert.ok(Math.abs(1 / (1 + Math.exp(-(q.w + q.b))) - 0.09) < 0.01, `final output ${1 / (1 + Math.exp(-(q.w + q.b)))}`);
  // From w = b = 2 the quadratic cost barely moves at first; the cross-entropy cost falls fast.
  const q2 = trainSingleNeuron({ label: 'q2', cost: 'quadratic', w: 2, b: 2, eta: 0.15, epochs: 50 }, referenceKernels);
  const c2 = trainSingleNeuron({ label: 'c2', cost: 'cross-entropy', w: 2, b: 2, eta: 0.15, epochs: 50 }, referenceKernels);
  const drop = (r: typeof q2) => 1 - r.epochs[49]!.trainCost! / r.epochs[0]!.trainCost!;
  assert.ok(drop(q2) < 0.05, `quadratic fell by ${drop(q2)}`);
  assert.ok(drop(c2) > 0.8, `cross-entropy fell by ${drop(c2)}`);
});

test('every figure resolves to valid configs, quick and full', () => {
  for (const f of FIGURES) {
    assert.ok(f.metrics.length > 0, f.name);
    if (f.kind !== 'train') continue;
    for (const quick of [false, true]) {
      const vs = figureVariants(f, quick, {});
      assert.equal(vs.length, f.runs.length);
      if (quick) for (const v of vs) assert.ok(v.config.epochs <= 60, `${f.name} --quick: ${v.config.epochs} epochs`);
    }
  }
  const b22 = FIGURES.find((f) => f.name === 'learning-rates')!;
  assert.deepEqual(figureVariants(b22 as Extract<typeof b22, { kind: 'train' }>, false, { epochs: 3 }).map((v) => [v.config.learningRate, v.config.epochs]), [[0.025, 3], [0.25, 3], [2.5, 3]]);
});

test('compare --vary and sweep --search build the settings they name', () => {
  assert.deepEqual(parseVary('eta=0.1,0.5').values, [0.1, 0.5]);
  assert.equal(parseVary('eta=0.1').name, 'learning-rate');
  assert.deepEqual(parseVary('layers=784,30,10;784,100,10').values, [['784', '30', '10'], ['784', '100', '10']]);
  assert.throws(() => parseVary('nonsense=1'), /not a run flag/);
  assert.throws(() => parseVary('lambda=abc'), /expected a number/);
  assert.deepEqual(varyGrid(['lambda=0,5', 'seed=1,2']).map((g) => g.label), ['lambda=0 seed=1', 'lambda=0 seed=2', 'lambda=5 seed=1', 'lambda=5 seed=2']);

  const dims = ['eta=0.1,1', 'hidden=30,20x10'].map(parseSearch);
  assert.equal(searchPoints(dims, undefined, 1).length, 4);
  assert.throws(() => searchPoints([parseSearch('eta=0.01..1')], undefined, 1), /needs --random/);
  const draws = searchPoints([parseSearch('eta=0.01..1'), parseSearch('batch-size=5..50')], 20, 3);
  assert.equal(draws.length, 20);
  for (const d of draws) {
    assert.ok(Number(d.eta) >= 0.01 && Number(d.eta) <= 1);
    assert.ok(Number.isInteger(Number(d['batch-size'])) && Number(d['batch-size']) >= 5 && Number(d['batch-size']) <= 50);
  }
  assert.deepEqual(searchPoints([parseSearch('eta=0.01..1')], 5, 3), searchPoints([parseSearch('eta=0.01..1')], 5, 3), 'seeded draws');
  const c = pointConfig({ 'train-size': 1000 }, { eta: '0.3', mu: '0.8', hidden: '20x10', 'batch-size': '16' });
  assert.equal(c.learningRate, 0.3);
  assert.equal(c.optimizer.type, 'momentum');
  assert.equal(c.optimizer.momentum, 0.8);
  assert.equal(c.batchSize, 16);
  assert.equal(c.earlyStopping.patience, 10);
  assert.equal(c.monitor.validationAccuracy, true);
  assert.equal(c.monitor.testAccuracy || c.monitor.testCost, false, 'a sweep never monitors the test set');
  assert.deepEqual(c.network.layers.map((l) => (l.type === 'dense' ? l.units : l.type)), [20, 10, 10]);
  const d = withHidden(defaultConfig(), [7]);
  assert.deepEqual(d.network.layers, [{ type: 'dense', units: 7, activation: 'sigmoid' }, { type: 'dense', units: 10, activation: 'sigmoid' }]);
});
