/**
 * nnlab's speed benchmark (`npm run bench`): matrix-multiply GFLOPS, seconds per 50,000-image
 * epoch and peak memory for each backend, and the same models in PyTorch
 * (`../shared/bench/torch_reference.py`) in the same run when python3 + torch import. Prints a
 * markdown table and writes it to bench/results.md (and bench/results.json).
 *
 * Flags:
 *   --quick          short timings, fewer epochs, no PyTorch CNN (a smoke run, about a minute)
 *   --only=LIST      sections to run: gemm, steps, mlp, cnn, torch (comma-separated; default all);
 *                    a partial run writes bench/results-LIST.md (and .json), not the full table
 *   --no-torch       skip PyTorch
 *   --epochs=N       epochs timed per fast-backend training row (default 3; --quick 1)
 *   --torch-threads=LIST  torch thread counts to time, the fastest being the reference (default 1,2)
 *   --profile        also profile each training row of the default backend ('wasm-threads') with
 *                    node --cpu-prof and print where its main thread spends the time (self time by
 *                    function: the wasm kernels by name, waits for the worker as `finish`)
 *
 * Each training row runs in its own child process (bench/train-child.ts), so its peak memory
 * (maxRSS) is its own. The reference backend is timed on a fraction of an epoch and
 * extrapolated to 50,000 images (marked "extrapolated"); so are the CNN rows.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PartialRunConfig } from '../src/core/config.js';
import { referenceKernels } from '../src/kernels/reference.js';
import { createWasmKernels } from '../src/kernels/wasm/wasm-kernels.js';
import type { Kernels } from '../src/kernels/kernels.js';
import { createThreadedKernels, DEFAULT_MIN_FLOATS, DEFAULT_MIN_FLOPS, type ThreadedKernels } from '../src/node/threaded-kernels.js';
import { NODE_FLAGS } from '../src/node/node-flags.js';
import { enableRelaxedSimd } from '../src/node/relaxed-simd.js';
import { gemmGflops, mlpShapes, squareShapes, type GemmShape } from './gemm.js';
import { STEP_SIZE, stepTimings } from './steps.js';

const here = dirname(fileURLToPath(import.meta.url)); // dist/bench
const root = resolve(here, '..', '..');
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const value = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const quick = flag('quick');
const only = new Set((value('only') ?? 'gemm,steps,mlp,cnn,torch').split(','));
const partial = value('only') !== undefined ? `-${value('only')!.replace(/[^a-z,]/g, '').replace(/,/g, '-')}` : '';
if (flag('no-torch')) only.delete('torch');
const fastEpochs = Number(value('epochs') ?? (quick ? 1 : 3));
const torchThreads = (value('torch-threads') ?? '1,2').split(',').map(Number);
const profile = flag('profile');
const EPOCH = 50_000;

const lines: string[] = [];
function out(s = ''): void {
  lines.push(s);
  console.log(s);
}
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

// ---- machine -------------------------------------------------------------------------------------
const cpu = cpus();
out(`# nnlab benchmark`);
out();
out(`${new Date().toISOString()} · Node ${process.version} · ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}${quick ? ' · --quick' : ''}`);
out(`Load average at start: ${loadavg().map((x) => x.toFixed(2)).join(', ')} (the machine is shared; treat ~15 % as noise).`);
out();

const json: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, quick, gemm: [], steps: [], training: [], torch: [] };

// ---- matrix multiply -----------------------------------------------------------------------------
if (only.has('gemm')) {
  const fmaHere = enableRelaxedSimd();
  const threads = await createThreadedKernels({ threads: 2, minFlops: 0 });
  const backends: [string, Kernels][] = [
    ['reference', referenceKernels],
    ['wasm mul + add (1 core)', await createWasmKernels({ fma: false })],
    ...(fmaHere ? [['wasm FMA (1 core)', await createWasmKernels({ fma: true })] as [string, Kernels]] : []),
    [`wasm-threads${threads.fma ? ' FMA' : ''} (2, always split)`, threads],
  ];
  const shapes: GemmShape[] = [...mlpShapes(10), ...mlpShapes(100), ...squareShapes()];
  out(`## Matrix multiply, GFLOPS (2·m·n·k per second; best of 3)`);
  out();
  out(`| product | form | m×n×k | ${backends.map((b) => b[0]).join(' | ')} |`);
  out(`|---|---|---|${backends.map(() => '---:').join('|')}|`);
  for (const s of shapes) {
    const g = backends.map(([name, k]) => ({ name, gflops: gemmGflops(k, s, quick ? 0.03 : name === 'reference' ? 0.1 : 0.25) }));
    (json.gemm as unknown[]).push({ ...s, results: g });
    out(`| ${s.label} | ${s.form} | ${s.m}×${s.n}×${s.k} | ${g.map((x) => f1(x.gflops)).join(' | ')} |`);
  }
  (threads as ThreadedKernels).close();
  out();
  out(`A·B = gemm, A·Bᵀ = gemmNT, Aᵀ·B = gemmTN. 'wasm-threads' as used in training splits only products of at least ${DEFAULT_MIN_FLOPS.toExponential(0)} flops.`);
  out();
}

// ---- optimizer steps on tiny values ------------------------------------------------------------------
if (only.has('steps')) {
  const backends: [string, Kernels][] = [['wasm (1 core)', await createWasmKernels({ fma: enableRelaxedSimd() })]];
  out(`## Optimizer steps on a long run's tiny values (µs per step of ${STEP_SIZE.toLocaleString('en')} parameters; best of repeated runs)`);
  out();
  out(`| kernel | backend | ordinary values | tiny values | tiny ÷ ordinary |`);
  out(`|---|---|---:|---:|---:|`);
  for (const [name, k] of backends)
    for (const r of stepTimings(k, quick ? 0.05 : 0.3)) {
      (json.steps as unknown[]).push({ backend: name, ...r });
      out(`| ${r.kernel} | ${name} | ${f1(r.ordinary)} | ${f1(r.tiny)} | ${(r.tiny / r.ordinary).toFixed(2)} |`);
    }
  out();
  out(`Ordinary: weights near 0.1, gradients near 1e-3. Tiny: what a confident network and Adam with L2 produce, weights near 1e-35 and gradients near 1e-18 and 1e-36 (all normal floats), whose squares and scaled terms fall under 2⁻¹²⁶ (subnormal, many times slower on x86 to make). The kernels mask such terms before forming them (assembly/vmath.ts, \`scaledTerm\`), so the ratio should be near 1.`);
  out();
}

// ---- training -------------------------------------------------------------------------------------
interface Model {
  id: string;
  title: string;
  config: PartialRunConfig;
  batches: number[];
  /** Images timed per epoch for the fast backends (EPOCH = whole epoch) and for the reference. */
  fastImages: number;
  refImages: number;
  /** Arguments of torch_reference.py before the epoch count, per batch size. */
  torchArgs: (batch: number) => string[];
  torchEpochs: number;
}

const MLP: Model = {
  id: 'mlp',
  title: 'MLP 784-100-10 (sigmoid, cross-entropy, η 0.5, λ 5)',
  config: { network: { layers: 'dense 100 sigmoid, dense 10 sigmoid', init: 'default' }, cost: 'cross-entropy', learningRate: 0.5, regularization: { l2: 5 } },
  batches: [10, 100],
  fastImages: EPOCH,
  refImages: quick ? 1000 : 5000,
  torchArgs: (b) => ['mlp', '100', String(b)],
  torchEpochs: quick ? 2 : 3,
};
/**
 * The chapter-6 CNN. Hook for the convolution issue: these rows run when the layer types exist
 * (the 'conv2d' architecture token parses); they are timed on a fraction of an epoch.
 */
const CNN: Model = {
  id: 'cnn',
  title: 'Chapter-6 CNN (conv 20@5×5, pool, conv 40@5×5, pool, FC 100, softmax; ReLU, log-likelihood)',
  config: {
    network: { layers: 'conv 20x5x5, maxpool 2, relu, conv 40x5x5, maxpool 2, relu, dense 100 relu, softmax 10', init: 'default' }, // torch_reference.py's order
    cost: 'log-likelihood',
    learningRate: 0.03,
    regularization: { l2: 0.1 },
  },
  batches: [10, 64],
  fastImages: quick ? 640 : 5120,
  refImages: quick ? 64 : 320,
  torchArgs: (b) => ['cnn', String(b)],
  torchEpochs: 1,
};

async function cnnAvailable(): Promise<boolean> {
  try {
    const { parseArchitecture } = await import('../src/network/arch.js');
    return parseArchitecture('conv 2x3x3 relu').length > 0;
  } catch {
    return false;
  }
}

interface TrainRow {
  model: string;
  batch: number;
  backend: string;
  images: number;
  extrapolated: boolean;
  epochSeconds: number;
  examplesPerSecond: number;
  maxRssMiB: number;
  rawEpochSeconds: number[];
  /** 1-minute load average when the row started (other work on the machine). */
  load: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** A training row's backend: a `--backend` name, and for the wasm ones optionally the build (`fma: false` = mul + add). */
interface RowBackend {
  name: string;
  fma?: boolean;
}
const rowLabel = (b: RowBackend) => `${b.name}${b.fma === false ? ' (mul + add build)' : ''}`;

function runChild(model: Model, batch: number, rb: RowBackend): TrainRow {
  const backend = rb.name;
  const images = backend === 'reference' ? model.refImages : model.fastImages;
  const epochs = backend === 'reference' || images < EPOCH ? 1 : fastEpochs;
  const job = { backend, config: { ...model.config, batchSize: batch }, trainSize: images, epochs, ...(rb.fma !== undefined ? { fma: rb.fma } : {}) };
  const load = loadavg()[0]!;
  const r = spawnSync(process.execPath, [...NODE_FLAGS, join(here, 'train-child.js'), JSON.stringify(job)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`benchmark child failed (${model.id} batch ${batch} ${backend}):\n${r.stderr}`);
  const res = JSON.parse(r.stdout.trim().split('\n').pop()!) as { epochSeconds: number[]; examples: number; maxRssMiB: number; fma: boolean };
  const per = median(res.epochSeconds) * (EPOCH / res.examples);
  return {
    model: model.id,
    batch,
    backend: rowLabel(rb) + (res.fma ? ' (FMA)' : ''),
    images: res.examples,
    extrapolated: res.examples < EPOCH,
    epochSeconds: per,
    examplesPerSecond: EPOCH / per,
    maxRssMiB: res.maxRssMiB,
    rawEpochSeconds: res.epochSeconds,
    load,
  };
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * Run one training row under `node --cpu-prof` and return the `top` functions by self time of the
 * main thread, as [name, share] (the worker threads are not sampled). The run includes loading
 * MNIST and the final test-set evaluation, as the timed row's process does.
 */
function profileChild(model: Model, batch: number, backend: string, top = 8): [string, number][] {
  const images = model.fastImages;
  const job = { backend, config: { ...model.config, batchSize: batch }, trainSize: images, epochs: 1 };
  const dir = mkdtempSync(join(tmpdir(), 'nnlab-prof-'));
  try {
    const r = spawnSync(process.execPath, [...NODE_FLAGS, '--cpu-prof', '--cpu-prof-dir', dir, join(here, 'train-child.js'), JSON.stringify(job)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`profiled benchmark child failed (${model.id} batch ${batch} ${backend}):\n${r.stderr}`);
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('node --cpu-prof wrote no profile');
    const p = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const name = new Map(p.nodes.map((n) => [n.id, n.callFrame.functionName || '(anonymous)']));
    const self = new Map<string, number>();
    let total = 0;
    p.samples.forEach((id, i) => {
      const dt = p.timeDeltas[i] ?? 0;
      total += dt;
      const f = name.get(id) ?? '?';
      self.set(f, (self.get(f) ?? 0) + dt);
    });
    return [...self].sort((a, b) => b[1] - a[1]).slice(0, top).map(([f, t]) => [f.replace(/^assembly\//, ''), t / total]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- PyTorch ----------------------------------------------------------------------------------------
const torchScript = join(root, '..', 'shared', 'bench', 'torch_reference.py');
function findTorchPython(): string | null {
  if (!existsSync(torchScript)) return null;
  for (const py of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(py, ['-c', 'import torch, numpy'], { stdio: 'ignore' });
      return py;
    } catch {
      /* try the next */
    }
  }
  return null;
}
interface TorchRow {
  model: string;
  batch: number;
  epochSeconds: number;
  examplesPerSecond: number;
  valAccuracy: number;
  header: string;
  load: number;
}
function runTorch(py: string, model: Model, batch: number, threads: number): TorchRow | string {
  const env = { ...process.env, TORCH_THREADS: String(threads) };
  const load = loadavg()[0]!;
  const r = spawnSync(py, [torchScript, ...model.torchArgs(batch), String(model.torchEpochs)], { cwd: root, env, encoding: 'utf8', maxBuffer: 1 << 24 });
  const res = /RESULT .*epoch_seconds_median=([\d.]+) examples_per_second=(\d+) val_accuracy=([\d.]+)/.exec(r.stdout ?? '');
  if (r.status !== 0 || !res) return `failed: ${(r.stderr ?? '').trim().split('\n').pop()}`;
  const header = (r.stdout.split('\n').find((l) => l.startsWith('#')) ?? '').replace(/^# /, '');
  return { model: model.id, batch, epochSeconds: Number(res[1]), examplesPerSecond: Number(res[2]), valAccuracy: Number(res[3]), header, load };
}

const models: Model[] = [];
if (only.has('mlp')) models.push(MLP);
if (only.has('cnn')) {
  if (await cnnAvailable()) models.push(CNN);
  else out('CNN rows: skipped (no convolution layers in this build yet).\n');
}
const py = only.has('torch') ? findTorchPython() : null;
if (only.has('torch') && !py) out('PyTorch not available (python3 with torch and numpy did not import); ratios to PyTorch are omitted.\n');

for (const model of models) {
  out(`## ${model.title}`);
  out();
  // PyTorch at its best thread setting: each of --torch-threads (default 1 and 2 torch threads,
  // OpenBLAS at 1) is timed and the fastest is the reference for the ratios (on a busy machine
  // 2 threads can be far slower than 1).
  const torch = new Map<number, TorchRow | string>();
  const torchAll: (TorchRow | string)[] = [];
  if (py && !(quick && model.id === 'cnn'))
    for (const b of model.batches) {
      let best: TorchRow | string = 'failed';
      for (const threads of torchThreads) {
        process.stderr.write(`[bench] PyTorch ${model.id} batch ${b}, ${threads} thread(s) ...\n`);
        const t = runTorch(py, model, b, threads);
        torchAll.push(t);
        if (typeof t !== 'string') (json.torch as unknown[]).push(t);
        if (typeof t !== 'string' && (typeof best === 'string' || t.epochSeconds < best.epochSeconds)) best = t;
        else if (typeof best === 'string' && typeof t === 'string') best = t;
      }
      torch.set(b, best);
    }
  const rows: TrainRow[] = [];
  for (const b of model.batches)
    // the default builds, then the two-thread backends without fused multiply-adds: the FMA gain measured in this run
    for (const backend of [{ name: 'reference' }, { name: 'wasm' }, { name: 'wasm-threads' }, { name: 'wasm-dp' }, { name: 'wasm-threads', fma: false }, { name: 'wasm-dp', fma: false }]) {
      process.stderr.write(`[bench] nnlab ${model.id} batch ${b} ${rowLabel(backend)} ...\n`);
      rows.push(runChild(model, b, backend));
    }
  (json.training as unknown[]).push(...rows);
  out(`| mini-batch | backend | s / epoch | examples/s | × best PyTorch time | peak RSS MiB | timed on | load avg |`);
  out(`|---:|---|---:|---:|---:|---:|---|---:|`);
  for (const b of model.batches) {
    const t = torch.get(b);
    for (const o of torchAll) {
      if (typeof o === 'string' || o.batch !== b) continue;
      const mark = o === t ? ' **best**' : '';
      out(`| ${b} | PyTorch (${o.header})${mark} | ${f2(o.epochSeconds)} | ${o.examplesPerSecond.toFixed(0)} | ${t && typeof t !== 'string' ? (o.epochSeconds / t.epochSeconds).toFixed(2) : '–'} | | median of ${model.torchEpochs} epoch(s) | ${o.load.toFixed(1)} |`);
    }
    if (typeof t === 'string') out(`| ${b} | PyTorch | ${t} | | | | | |`);
    for (const r of rows.filter((x) => x.batch === b)) {
      const ratio = t && typeof t !== 'string' ? (r.epochSeconds / t.epochSeconds).toFixed(2) : '–';
      const timed = r.extrapolated ? `${r.images} images, extrapolated` : `median of ${r.rawEpochSeconds.length} epoch(s)`;
      out(`| ${b} | ${r.backend} | ${f2(r.epochSeconds)} | ${r.examplesPerSecond.toFixed(0)} | ${ratio} | ${r.maxRssMiB.toFixed(0)} | ${timed} | ${r.load.toFixed(1)} |`);
    }
  }
  out();
  if (profile) {
    out(`Where the main thread's time goes ('wasm-threads', \`node --cpu-prof\`, self time, whole child process):`);
    out();
    for (const b of model.batches) {
      process.stderr.write(`[bench] profiling nnlab ${model.id} batch ${b} wasm-threads ...\n`);
      const top = profileChild(model, b, 'wasm-threads');
      out(`- mini-batch ${b}: ${top.map(([f, s]) => `${f} ${(100 * s).toFixed(1)} %`).join(', ')}`);
      (json as Record<string, unknown>)[`profile-${model.id}-${b}`] = top;
    }
    out();
  }
}

if (only.has('mlp') || only.has('cnn')) {
  out(`Epoch = ${EPOCH.toLocaleString('en')} training images, evaluation excluded. Peak RSS = the child process's maxRSS (the full MNIST files are loaded in every run).`);
  out(`'wasm-threads' = 2 threads over shared memory (Node's 'auto' on 2+ cores); products of at least ${DEFAULT_MIN_FLOPS.toExponential(0)} flops are split, and im2col, col2im, max-pooling, ReLU and the optimizer steps from ${DEFAULT_MIN_FLOATS.toLocaleString('en')} floats; smaller calls run inline.`);
  out(`(FMA) = the FMA build of the wasm kernels: relaxed SIMD's fused multiply-add in the products (Node 20: --experimental-wasm-relaxed-simd, which nnlab switches on); '(mul + add build)' = the same backend with a multiply and an add, for the ratio.`);
  out(`'wasm-dp' = the same 2 threads, and each mini-batch is cut in two: the worker runs a replica of the network on the second half (src/node/data-parallel.ts); the gradients are summed and the optimizer steps with the split kernels.`);
}

mkdirSync(join(root, 'bench'), { recursive: true });
writeFileSync(join(root, 'bench', `results${partial}.md`), lines.join('\n') + '\n');
writeFileSync(join(root, 'bench', `results${partial}.json`), JSON.stringify(json, null, 2) + '\n');
console.error(`[bench] wrote bench/results${partial}.md and bench/results${partial}.json`);
