/**
 * The browser lab's page script: a form of the main knobs (or a preset), a training worker
 * (web/worker.ts) running nnlab's `train()`, live uPlot charts of cost and accuracy per epoch,
 * a progress bar per mini-batch, the final test accuracy, and the trained network to download.
 *
 * `window.nnlabLab` records what the page did (state, epochs, points drawn, errors) for the
 * browser test and for anyone curious in the console.
 */
import type UPlot from 'uplot';
import {
  COSTS, INITS, OPTIMIZERS, PRESETS, defaultConfig, findPreset, formatArchitecture, parseArchitecture, resolveConfig,
  type EpochRecord, type LayerSpec, type PartialRunConfig, type RunConfig, type RunResult,
} from '../src/index.js';
import type { FromWorker, ToWorker } from './protocol.js';

/** uPlot, loaded by a classic script tag from /vendor/. */
const uPlot = (globalThis as unknown as { uPlot: typeof UPlot }).uPlot;

interface LabState {
  state: 'idle' | 'loading' | 'training' | 'done' | 'stopped' | 'error';
  backend: string | null;
  epochs: EpochRecord[];
  /** Non-null points currently drawn in the charts. */
  chartPoints: number;
  result: RunResult | null;
  modelBytes: number;
  errors: string[];
}
const lab: LabState = { state: 'idle', backend: null, epochs: [], chartPoints: 0, result: null, modelBytes: 0, errors: [] };
(window as unknown as { nnlabLab: LabState }).nnlabLab = lab;

function $<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
}
const input = (id: string) => $<HTMLInputElement>(id);
const select = (id: string) => $<HTMLSelectElement>(id);

// ---- the form ------------------------------------------------------------------------------

function fillOptions(sel: HTMLSelectElement, values: readonly string[]): void {
  for (const v of values) sel.add(new Option(v, v));
}

const presetSel = select('preset');
presetSel.add(new Option('custom (defaults)', ''));
for (const p of PRESETS) presetSel.add(new Option(`${p.name} — ${p.description}`.slice(0, 90), p.name));
fillOptions(select('cost'), COSTS);
fillOptions(select('init'), INITS);
fillOptions(select('optimizer'), OPTIMIZERS);

/** The config the form's fields apply on top of: the chosen preset (its schedule, monitors, ...). */
let base: RunConfig = defaultConfig();

/** Nielsen's size list when the network is fully connected sigmoid layers, else the layer string. */
function describeLayers(layers: readonly LayerSpec[]): string {
  const noDropout = layers.filter((l) => l.type !== 'dropout');
  if (noDropout.every((l) => l.type === 'dense' && l.activation === 'sigmoid'))
    return [784, ...noDropout.map((l) => (l as { units: number }).units)].join(', ');
  return formatArchitecture(noDropout);
}

function showConfig(c: RunConfig): void {
  input('arch').value = describeLayers(c.network.layers);
  select('init').value = c.network.init;
  select('cost').value = c.cost;
  input('eta').value = String(c.learningRate);
  input('l2').value = String(c.regularization.l2);
  input('l1').value = String(c.regularization.l1);
  input('dropout').value = String(c.network.layers.find((l): l is Extract<LayerSpec, { type: 'dropout' }> => l.type === 'dropout')?.rate ?? 0);
  select('optimizer').value = c.optimizer.type;
  input('momentum').value = String(c.optimizer.momentum);
  input('batch').value = String(c.batchSize);
  input('epochs').value = String(c.epochs);
  input('train-size').value = c.data.trainSize === null ? '' : String(c.data.trainSize);
  input('augment').value = c.data.augment;
  input('seed').value = String(c.seed);
  const extra: string[] = [];
  if (c.schedule.type !== 'constant') extra.push(`schedule ${JSON.stringify(c.schedule)}`);
  if (c.earlyStopping.patience > 0) extra.push(`early stopping after ${c.earlyStopping.patience} epochs without improvement`);
  if (c.monitor.interval > 1) extra.push(`curves every ${c.monitor.interval} epochs`);
  if (c.regularization.maxNorm > 0) extra.push(`max-norm ${c.regularization.maxNorm}`);
  $('extra').textContent = extra.length ? `also from the preset: ${extra.join('; ')}` : '';
  updateMomentum();
}

function updateMomentum(): void {
  const t = select('optimizer').value;
  input('momentum').disabled = t !== 'momentum' && t !== 'nesterov';
}

presetSel.addEventListener('change', () => {
  const name = presetSel.value;
  base = name ? resolveConfig({ preset: name }) : defaultConfig();
  $('preset-desc').textContent = name ? `${findPreset(name)!.description} (book: ${(100 * findPreset(name)!.book).toFixed(2)} %)` : '';
  showConfig(base);
});
select('optimizer').addEventListener('change', updateMomentum);

/** A number field: empty or not a number is an error naming the field. */
function numberField(id: string, label: string): number {
  const raw = input(id).value.trim();
  const v = Number(raw);
  if (raw === '' || !Number.isFinite(v)) throw new Error(`${label}: enter a number (got "${raw}")`);
  return v;
}

/** The network field: a size list `784, 30, 10` or a layer string; dropout after each hidden layer. */
function layersFromForm(): LayerSpec[] {
  const text = input('arch').value.trim();
  let layers: LayerSpec[];
  const sizes = /^\[?\s*\d+(\s*,\s*\d+)+\s*\]?$/.test(text) ? text.replace(/[[\]\s]/g, '').split(',').map(Number) : null;
  if (sizes) {
    if (sizes[0] !== 784) throw new Error(`network: an MNIST network's first size is its 784 input pixels (got ${sizes[0]})`);
    if (sizes.some((s) => s < 1)) throw new Error('network: every layer needs at least one neuron');
    layers = sizes.slice(1).map((units) => ({ type: 'dense', units, activation: 'sigmoid' }));
  } else layers = parseArchitecture(text);
  const p = numberField('dropout', 'dropout p');
  if (p < 0 || p >= 1) throw new Error(`dropout p: a probability in [0, 1) (got ${p})`);
  if (p === 0) return layers;
  const dense = layers.flatMap((l, i) => (l.type === 'dense' ? [i] : []));
  const out: LayerSpec[] = [];
  layers.forEach((l, i) => {
    out.push(l);
    const hidden = l.type === 'dense' ? dense.indexOf(i) < dense.length - 1 : false;
    const next = layers[i + 1];
    // after a hidden dense layer, or after the activation layer that follows it
    if ((hidden && next?.type !== 'activation') || (l.type === 'activation' && i > 0 && layers[i - 1]!.type === 'dense' && dense.indexOf(i - 1) < dense.length - 1))
      out.push({ type: 'dropout', rate: p });
  });
  return out;
}

/** Read the form into a full, validated config (the library's `resolveConfig`). */
function configFromForm(): RunConfig {
  const trainRaw = input('train-size').value.trim();
  const form: PartialRunConfig = {
    data: { trainSize: trainRaw === '' ? null : numberField('train-size', 'train size'), augment: input('augment').value.trim() },
    network: { layers: layersFromForm(), init: select('init').value as RunConfig['network']['init'] },
    cost: select('cost').value as RunConfig['cost'],
    learningRate: numberField('eta', 'η'),
    regularization: { l2: numberField('l2', 'λ (L2)'), l1: numberField('l1', 'L1 λ') },
    optimizer: { type: select('optimizer').value as RunConfig['optimizer']['type'], momentum: numberField('momentum', 'momentum μ') },
    batchSize: numberField('batch', 'mini-batch m'),
    epochs: numberField('epochs', 'epochs'),
    seed: numberField('seed', 'seed'),
    backend: select('backend-choice').value,
    // The lab shows training and validation curves always, and the test curves a preset asks for.
    monitor: { trainCost: true, trainAccuracy: true, validationCost: true, validationAccuracy: true },
  };
  const c = resolveConfig(base, form);
  if (c.data.validationSize === 0) c.monitor = { ...c.monitor, validationCost: false, validationAccuracy: false };
  return c;
}

// ---- charts --------------------------------------------------------------------------------

type Key = 'train' | 'validation' | 'test';
const COLORS: Record<Key, string> = { train: '#2563eb', validation: '#ea580c', test: '#16a34a' };

interface Chart {
  plot: UPlot;
  keys: Key[];
  value(r: EpochRecord, k: Key): number | null;
}
let charts: Chart[] = [];

function chartWidth(el: HTMLElement): number {
  return Math.max(300, Math.floor(el.getBoundingClientRect().width || 480));
}

function makeChart(id: string, keys: Key[], yLabel: string, value: Chart['value'], digits: number): Chart {
  const el = $(id);
  el.textContent = '';
  const opts: UPlot.Options = {
    width: chartWidth(el),
    height: 260,
    scales: { x: { time: false } },
    axes: [{ label: 'epoch', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] }, { label: yLabel, size: 60 }],
    series: [
      { label: 'epoch' },
      ...keys.map((k) => ({
        label: k,
        stroke: COLORS[k],
        width: 2,
        spanGaps: true,
        value: (_u: UPlot, v: number | null) => (v == null ? '–' : v.toFixed(digits)),
      })),
    ],
  };
  return { plot: new uPlot(opts, [[], ...keys.map(() => [])], el), keys, value };
}

function setupCharts(c: RunConfig): void {
  for (const ch of charts) ch.plot.destroy();
  const m = c.monitor;
  const costKeys = (['train', 'validation', 'test'] as Key[]).filter((k) => m[`${k}Cost`]);
  const accKeys = (['train', 'validation', 'test'] as Key[]).filter((k) => m[`${k}Accuracy`]);
  charts = [
    makeChart('chart-cost', costKeys, c.cost, (r, k) => r[`${k}Cost`], 4),
    makeChart('chart-accuracy', accKeys, 'accuracy %', (r, k) => (r[`${k}Accuracy`] === null ? null : 100 * r[`${k}Accuracy`]!), 2),
  ];
}

function redraw(): void {
  let points = 0;
  const x = lab.epochs.map((r) => r.epoch);
  for (const ch of charts) {
    const ys = ch.keys.map((k) => lab.epochs.map((r) => ch.value(r, k)));
    points += ys.reduce((s, col) => s + col.filter((v) => v !== null).length, 0);
    ch.plot.setData([x, ...ys] as UPlot.AlignedData);
  }
  lab.chartPoints = points;
}

window.addEventListener('resize', () => {
  for (const ch of charts) ch.plot.setSize({ width: chartWidth(ch.plot.root.parentElement!), height: 260 });
});

// ---- the epoch table -----------------------------------------------------------------------

const COLUMNS: [string, (r: EpochRecord) => string][] = [
  ['epoch', (r) => String(r.epoch)],
  ['η', (r) => String(+r.learningRate.toPrecision(4))],
  ['train cost', (r) => fmt(r.trainCost, 4)],
  ['train acc %', (r) => pct(r.trainAccuracy)],
  ['valid. cost', (r) => fmt(r.validationCost, 4)],
  ['valid. acc %', (r) => pct(r.validationAccuracy)],
  ['test cost', (r) => fmt(r.testCost, 4)],
  ['test acc %', (r) => pct(r.testAccuracy)],
  ['seconds', (r) => r.seconds.toFixed(2)],
];
const fmt = (v: number | null, d: number) => (v === null ? '–' : v.toFixed(d));
const pct = (v: number | null) => (v === null ? '–' : (100 * v).toFixed(2));

function resetTable(): void {
  const table = $<HTMLTableElement>('epoch-table');
  table.tHead!.innerHTML = '';
  const tr = table.tHead!.insertRow();
  for (const [name] of COLUMNS) tr.appendChild(document.createElement('th')).textContent = name;
  table.tBodies[0]!.innerHTML = '';
}

function addRow(r: EpochRecord): void {
  const tr = $<HTMLTableElement>('epoch-table').tBodies[0]!.insertRow();
  for (const [, f] of COLUMNS) tr.insertCell().textContent = f(r);
}

// ---- the worker ----------------------------------------------------------------------------

let worker: Worker | null = null;
let current: RunConfig | null = null;
let model: Blob | null = null;

function status(text: string): void {
  $('status').textContent = text;
}

function setRunning(running: boolean): void {
  $<HTMLButtonElement>('train').disabled = running;
  $<HTMLButtonElement>('stop').disabled = !running;
  $<HTMLButtonElement>('download').disabled = running || model === null;
}

function fail(message: string): void {
  lab.state = 'error';
  lab.errors.push(message);
  $('error').textContent = message;
  status('Stopped by an error.');
  setRunning(false);
}

function onMessage(m: FromWorker): void {
  const c = current!;
  switch (m.type) {
    case 'status':
      status(m.text);
      break;
    case 'backend':
      lab.backend = m.name;
      $('backend').textContent = `kernels: ${m.name} (${m.note})`;
      break;
    case 'start':
      lab.state = 'training';
      status(`training ${m.parameters.toLocaleString('en')} parameters on ${m.trainCount.toLocaleString('en')} images (validation ${m.validationCount.toLocaleString('en')}, test ${m.testCount.toLocaleString('en')}), ${m.batchesPerEpoch} mini-batches an epoch`);
      break;
    case 'batch': {
      const p = $<HTMLProgressElement>('progress');
      p.value = (m.epoch - 1 + m.batch / m.batches) / c.epochs;
      status(`epoch ${m.epoch} of ${c.epochs}, mini-batch ${m.batch} of ${m.batches}, mean training cost so far ${m.meanCost.toFixed(4)}`);
      break;
    }
    case 'epoch':
      lab.epochs.push(m.record);
      addRow(m.record);
      redraw();
      break;
    case 'end': {
      const r = m.result;
      lab.result = r;
      lab.modelBytes = m.model.byteLength;
      lab.state = 'done';
      model = new Blob([m.model], { type: 'application/octet-stream' });
      $<HTMLProgressElement>('progress').value = 1;
      const kept = r.bestEpoch === null ? 'the last epoch\'s weights' : `the weights of epoch ${r.bestEpoch}, the best validation accuracy (${(100 * r.bestValidationAccuracy!).toFixed(2)} %)`;
      const box = $('result');
      box.style.display = 'block';
      box.innerHTML = '';
      const big = box.appendChild(document.createElement('div'));
      big.className = 'big';
      big.id = 'test-accuracy';
      big.textContent = `test accuracy ${(100 * r.testAccuracy).toFixed(2)} %`;
      box.appendChild(document.createElement('div')).textContent =
        `on the 10,000 test images, with ${kept}; last epoch: ${(100 * r.finalTestAccuracy).toFixed(2)} %. ` +
        `${r.epochs.length} epochs in ${r.seconds.toFixed(1)} s on ${lab.backend} kernels.` +
        (r.stopReason ? ` ${r.stopReason}.` : '') +
        (r.diverged ? ` ${r.diverged}` : '');
      status('Done. Download the network to use it with `nnlab eval --model FILE`.');
      setRunning(false);
      break;
    }
    case 'error':
      fail(m.message);
      break;
  }
}

function ensureWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  w.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  w.onerror = (e) => {
    e.preventDefault();
    fail(`the training worker failed: ${e.message || 'it could not be loaded'}`);
    w.terminate();
    worker = null;
  };
  return (worker = w);
}

$('knobs').addEventListener('submit', (e) => {
  e.preventDefault();
  $('error').textContent = '';
  let c: RunConfig;
  try {
    c = configFromForm();
  } catch (err) {
    $('error').textContent = err instanceof Error ? err.message : String(err);
    return;
  }
  current = c;
  model = null;
  lab.state = 'loading';
  lab.epochs = [];
  lab.result = null;
  lab.errors = [];
  $('result').style.display = 'none';
  $<HTMLProgressElement>('progress').value = 0;
  resetTable();
  setupCharts(c);
  redraw();
  setRunning(true);
  status('starting the training worker');
  const msg: ToWorker = { type: 'train', config: c };
  ensureWorker().postMessage(msg);
});

$('stop').addEventListener('click', () => {
  worker?.terminate();
  worker = null;
  lab.state = 'stopped';
  status(`Stopped after ${lab.epochs.length} epochs.`);
  setRunning(false);
});

$('download').addEventListener('click', () => {
  if (!model || !current) return;
  const a = document.createElement('a');
  a.href = URL.createObjectURL(model);
  a.download = `nnlab-${current.network.layers.filter((l) => l.type === 'dense').map((l) => (l as { units: number }).units).join('-') || 'network'}-seed${current.seed}.nnlab`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
});

// A bug in the page is shown, not hidden in the console.
window.addEventListener('error', (e) => fail(`the page failed: ${e.message}`));
window.addEventListener('unhandledrejection', (e) => fail(`the page failed: ${String(e.reason)}`));

// The initial form: a preset from the URL (?preset=b1) or the defaults.
const fromUrl = new URLSearchParams(location.search).get('preset');
if (fromUrl && findPreset(fromUrl)) presetSel.value = findPreset(fromUrl)!.name;
presetSel.dispatchEvent(new Event('change'));
resetTable();
