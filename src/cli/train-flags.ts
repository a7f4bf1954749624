import { ACTIVATIONS, COSTS, INITS, OPTIMIZERS, SCHEDULE_DEFAULTS, type ActivationName, type LayerSpec, type PartialRunConfig } from '../core/config.js';
import { parseArchitecture } from '../network/arch.js';
import type { FlagSpec, FlagValues } from './flags.js';
import { UsageError } from './flags.js';

/** Flags that describe a run (shared by train, compare, sweep). */
export const RUN_FLAGS: FlagSpec[] = [
  { name: 'preset', type: 'string', arg: 'NAME', help: "start from a preset of the book's experiments ('nnlab presets' lists them)" },
  { name: 'config', type: 'string', arg: 'FILE.json', help: 'read the run description from a JSON file (flags override it)' },
  { name: 'data', type: 'string', arg: 'DIR', help: 'folder with the four IDX files (train-images-idx3-ubyte, ...; .gz allowed); default: embedded MNIST' },
  { name: 'train-size', type: 'int', arg: 'N', help: 'use only the first N training images' },
  { name: 'validation-size', type: 'int', arg: 'N', help: 'images held out from the end of the training file for validation (default 10000)' },
  { name: 'augment', type: 'string', arg: 'SPEC', help: 'data augmentation, e.g. shift:2,rotate:15,elastic' },
  { name: 'order', type: 'string', arg: 'shuffled|fixed', help: "training examples shuffled each epoch (default), or in the file's order every epoch (fixed: network3.py's way)" },
  { name: 'layers', type: 'list', arg: '784,30,10', help: "Nielsen's size list: input, hidden..., output (fully connected)" },
  { name: 'arch', type: 'string', arg: 'STRING', help: 'architecture, e.g. "dense 100 relu, dropout 0.5, softmax 10" or "conv 20x5x5 relu, maxpool 2, dense 100 relu, softmax 10"' },
  { name: 'activation', type: 'string', arg: ACTIVATIONS.join('|'), help: 'hidden neurons (with --layers)' },
  { name: 'output', type: 'string', arg: ACTIVATIONS.join('|'), help: 'output neurons (with --layers)' },
  { name: 'dropout', type: 'number', arg: 'P', help: 'dropout probability on every hidden layer (with --layers)' },
  { name: 'dropout-mask', type: 'string', arg: 'example|batch', help: 'one dropout mask per example (default) or per mini-batch (the book\'s text)' },
  { name: 'cost', type: 'string', arg: COSTS.join('|'), help: 'cost function' },
  { name: 'init', type: 'string', arg: INITS.join('|'), help: 'weight initialization: default N(0,1/n_in), large N(0,1), he, glorot, network3 (the book\'s chapter-6 code: N(0,1/n_out), softmax layer zero)' },
  { name: 'epochs', type: 'int', arg: 'N', help: 'training epochs' },
  { name: 'batch-size', type: 'int', arg: 'M', help: 'mini-batch size m' },
  { name: 'learning-rate', aliases: ['eta'], type: 'number', arg: 'ETA', help: 'learning rate η' },
  { name: 'lambda', aliases: ['l2'], type: 'number', arg: 'L', help: 'L2 parameter λ: w → (1 − ηλ/n)w − η∂C₀/∂w, n = training-set size' },
  { name: 'l1', type: 'number', arg: 'L', help: 'L1 parameter λ: w → w − (ηλ/n)sgn(w) − η∂C₀/∂w' },
  { name: 'max-norm', type: 'number', arg: 'C', help: "max-norm constraint on each unit's incoming weights (0: off)" },
  { name: 'optimizer', type: 'string', arg: OPTIMIZERS.join('|'), help: 'update rule (adamw: Adam with --lambda applied as decoupled weight decay, w → (1 − ηλ/n) w)' },
  { name: 'momentum', aliases: ['mu'], type: 'number', arg: 'MU', help: 'momentum coefficient μ (momentum, nesterov)' },
  { name: 'beta1', type: 'number', arg: 'B', help: "Adam's and AdamW's β₁ (0.9)" },
  { name: 'beta2', type: 'number', arg: 'B', help: "Adam's and AdamW's β₂ (0.999)" },
  { name: 'rho', type: 'number', arg: 'R', help: "RMSProp's decay ρ (0.9)" },
  { name: 'epsilon', type: 'number', arg: 'E', help: 'ε of AdaGrad, RMSProp, Adam, AdamW (1e-8)' },
  { name: 'schedule', type: 'string', arg: 'constant|step|plateau|cosine', help: 'learning-rate schedule (plateau: the book\'s halve-on-no-improvement rule; cosine: from η down to η·--final-factor over the epochs)' },
  { name: 'step-every', type: 'int', arg: 'N', help: 'step schedule: multiply η by --step-factor every N epochs' },
  { name: 'step-factor', type: 'number', arg: 'F', help: 'step schedule factor (default 0.1)' },
  { name: 'plateau-patience', type: 'int', arg: 'N', help: 'plateau schedule: epochs without improvement before η is multiplied by --plateau-factor (default 10)' },
  { name: 'plateau-factor', type: 'number', arg: 'F', help: 'plateau schedule factor (default 0.5)' },
  { name: 'final-factor', type: 'number', arg: 'F', help: 'cosine schedule: the last epochs\' η as a fraction of η (default 0)' },
  { name: 'cycles', type: 'list', arg: 'T1,T2,...', help: 'cosine schedule with restarts (with --schedule cosine, or a preset or config whose schedule is cosine): the epochs of each cycle (they set --epochs to their sum); the network at the end of each cycle is saved in the run folder as snapshot-K.nnlab (a snapshot ensemble: nnlab ensemble --model DIR/snapshot-1.nnlab ...)' },
  { name: 'restart-factor', type: 'number', arg: 'F', help: 'with --cycles: the η each later cycle restarts from, as a fraction of η (default 1)' },
  { name: 'min-factor', type: 'number', arg: 'K', help: 'plateau schedule: stop when η reaches η₀/K (default 128)' },
  { name: 'average-from', type: 'int', arg: 'N', help: 'weight averaging (SWA): from epoch N on, evaluate, keep and save the mean of the weights at the end of each epoch since N (0: off)' },
  { name: 'early-stopping', type: 'int', arg: 'N', help: 'stop after N epochs without better validation accuracy, keeping the best weights (0: off)' },
  { name: 'monitor', type: 'list', arg: 'LIST', help: 'per-epoch monitors: train-cost,train-accuracy,validation-cost,validation-accuracy,test-cost,test-accuracy, or all, or none' },
  { name: 'monitor-every', type: 'int', arg: 'N', help: 'evaluate the monitors every N epochs (and after the last)' },
  { name: 'seed', type: 'int', arg: 'S', help: 'random seed (same seed, same numbers)' },
  { name: 'no-fma', type: 'boolean', help: "the wasm kernels' build without fused multiply-adds (the numbers of runs made before the FMA build, on the same backend)" },
  { name: 'backend', type: 'string', arg: 'NAME', help: 'kernel backend: auto (default: wasm-threads, or wasm-dp from mini-batches of 32 and for convolutional networks, unless --dropout-mask batch), reference, wasm, wasm-threads (products split across 2 threads), wasm-dp (each mini-batch split across 2 threads)' },
];

function pick<T extends string>(v: unknown, flag: string, options: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !options.includes(v as T)) throw new UsageError(`--${flag}: expected one of ${options.join(', ')}, got "${String(v)}"`);
  return v as T;
}

const MONITORS = ['train-cost', 'train-accuracy', 'validation-cost', 'validation-accuracy', 'test-cost', 'test-accuracy'] as const;

/**
 * Turn run flags into a partial config. `base` is the config the flags apply on top of (after
 * preset and file), needed by --layers/--activation/--output/--dropout to keep what they don't change.
 */
export function flagsToConfig(v: FlagValues, baseLayers: readonly LayerSpec[]): PartialRunConfig & { expectedInputSize?: number } {
  const c: PartialRunConfig & { expectedInputSize?: number } = {};
  const data: Record<string, unknown> = {};
  if (v.data !== undefined) data.source = v.data;
  if (v['train-size'] !== undefined) data.trainSize = v['train-size'];
  if (v['validation-size'] !== undefined) data.validationSize = v['validation-size'];
  if (v.augment !== undefined) data.augment = v.augment;
  if (v.order !== undefined) data.order = pick(v.order, 'order', ['shuffled', 'fixed'] as const);
  if (Object.keys(data).length) c.data = data;

  const network: Record<string, unknown> = {};
  if (v.init !== undefined) network.init = pick(v.init, 'init', INITS);
  if (v.arch !== undefined) {
    if (v.layers !== undefined) throw new UsageError('give either --arch or --layers, not both');
    network.layers = parseArchitecture(String(v.arch));
  }
  const act = pick(v.activation, 'activation', ACTIVATIONS);
  const out = pick(v.output, 'output', ACTIVATIONS);
  if (v.layers !== undefined || act || out || v.dropout !== undefined) {
    if (v.arch !== undefined) throw new UsageError('--activation, --output and --dropout go with --layers; with --arch write them in the architecture string');
    if (!baseLayers.every((l) => l.type === 'dense' || l.type === 'activation' || l.type === 'dropout'))
      throw new UsageError('--layers, --activation, --output and --dropout describe fully connected networks; use --arch for this one');
    const dense = baseLayers.filter((l): l is Extract<LayerSpec, { type: 'dense' }> => l.type === 'dense');
    let sizes = dense.map((d) => d.units);
    if (v.layers !== undefined) {
      const list = v.layers as string[];
      const nums = list.map((s) => Number(s));
      if (nums.length < 2 || nums.some((n) => !Number.isInteger(n) || n < 1))
        throw new UsageError(`--layers: expected at least two positive integers like 784,30,10, got "${list.join(',')}"`);
      c.expectedInputSize = nums[0]!;
      sizes = nums.slice(1);
    }
    const hidden: ActivationName = act ?? dense.find((d, i) => i < dense.length - 1 && d.activation)?.activation ?? 'sigmoid';
    const output: ActivationName = out ?? dense[dense.length - 1]?.activation ?? 'sigmoid';
    const p = v.dropout as number | undefined;
    if (p !== undefined && (p < 0 || p >= 1)) throw new UsageError(`--dropout: expected a probability in [0, 1), got ${p}`);
    const layers: LayerSpec[] = [];
    sizes.forEach((units, i) => {
      const last = i === sizes.length - 1;
      layers.push({ type: 'dense', units, activation: last ? output : hidden });
      if (!last && p) layers.push({ type: 'dropout', rate: p });
    });
    network.layers = layers;
  }
  if (Object.keys(network).length) c.network = network;

  if (v.cost !== undefined) c.cost = pick(v.cost, 'cost', COSTS);
  if (v.epochs !== undefined) c.epochs = v.epochs as number;
  if (v['batch-size'] !== undefined) c.batchSize = v['batch-size'] as number;
  if (v['learning-rate'] !== undefined) c.learningRate = v['learning-rate'] as number;
  if (v.seed !== undefined) c.seed = v.seed as number;
  if (v.backend !== undefined) c.backend = String(v.backend);
  if (v['no-fma'] === true) c.fma = false;

  const opt: Record<string, unknown> = {};
  if (v.optimizer !== undefined) opt.type = pick(v.optimizer, 'optimizer', OPTIMIZERS);
  if (v.momentum !== undefined) opt.momentum = v.momentum;
  if (v.beta1 !== undefined) opt.beta1 = v.beta1;
  if (v.beta2 !== undefined) opt.beta2 = v.beta2;
  if (v.rho !== undefined) opt.rho = v.rho;
  if (v.epsilon !== undefined) opt.epsilon = v.epsilon;
  if (Object.keys(opt).length) c.optimizer = opt;

  const reg: Record<string, unknown> = {};
  if (v.lambda !== undefined) reg.l2 = v.lambda;
  if (v.l1 !== undefined) reg.l1 = v.l1;
  if (v['max-norm'] !== undefined) reg.maxNorm = v['max-norm'];
  if (v['dropout-mask'] !== undefined) reg.dropoutMask = pick(v['dropout-mask'], 'dropout-mask', ['example', 'batch'] as const);
  if (Object.keys(reg).length) c.regularization = reg;

  const sched = pick(v.schedule, 'schedule', ['constant', 'step', 'plateau', 'cosine'] as const);
  if (sched !== 'cosine' && v['final-factor'] !== undefined) throw new UsageError('--final-factor needs --schedule cosine');
  if (v['restart-factor'] !== undefined && v.cycles === undefined) throw new UsageError('--restart-factor needs --cycles');
  const cycles = v.cycles === undefined ? undefined : (v.cycles as string[]).map((t) => {
    if (!/^\d+$/.test(t) || Number(t) < 1) throw new UsageError(`--cycles: expected epoch counts (whole numbers of at least 1) separated by commas, got "${t}"`);
    return Number(t);
  });
  if (cycles !== undefined && sched !== undefined && sched !== 'cosine') throw new UsageError('--cycles needs --schedule cosine');
  if (cycles !== undefined && cycles.length === 0) throw new UsageError('--cycles: expected epoch counts separated by commas, e.g. 70,10,10');
  const restarts = cycles === undefined ? undefined : { cycles, ...(v['restart-factor'] !== undefined ? { restart: v['restart-factor'] as number } : {}) };
  if (cycles !== undefined && v.epochs === undefined) c.epochs = cycles.reduce((a, b) => a + b, 0);
  if (sched === 'constant') c.schedule = { type: 'constant' };
  else if (sched === 'cosine') c.schedule = { type: 'cosine', final: (v['final-factor'] as number) ?? 0, ...restarts };
  else if (sched === 'step') c.schedule = { type: 'step', every: (v['step-every'] as number) ?? SCHEDULE_DEFAULTS.step.every, factor: (v['step-factor'] as number) ?? SCHEDULE_DEFAULTS.step.factor };
  else if (sched === 'plateau')
    c.schedule = {
      type: 'plateau',
      patience: (v['plateau-patience'] as number) ?? SCHEDULE_DEFAULTS.plateau.patience,
      factor: (v['plateau-factor'] as number) ?? SCHEDULE_DEFAULTS.plateau.factor,
      minFactor: (v['min-factor'] as number) ?? SCHEDULE_DEFAULTS.plateau.minFactor,
    };
  else if (v['step-every'] !== undefined || v['plateau-patience'] !== undefined || v['step-factor'] !== undefined || v['plateau-factor'] !== undefined || v['min-factor'] !== undefined)
    throw new UsageError('schedule options need --schedule step or --schedule plateau');
  else if (restarts) c.schedule = restarts; // laid onto the preset's or config's cosine schedule

  if (v['early-stopping'] !== undefined) c.earlyStopping = { patience: v['early-stopping'] as number };
  if (v['average-from'] !== undefined) c.averageFrom = v['average-from'] as number;
  if (v.monitor !== undefined) {
    const list = v.monitor as string[];
    const all = list.includes('all');
    const none = list.includes('none');
    for (const m of list) if (m !== 'all' && m !== 'none' && !(MONITORS as readonly string[]).includes(m)) throw new UsageError(`--monitor: unknown monitor "${m}"; expected ${MONITORS.join(', ')}, all or none`);
    const on = (m: (typeof MONITORS)[number]) => !none && (all || list.includes(m));
    c.monitor = {
      ...(v['monitor-every'] !== undefined ? { interval: v['monitor-every'] as number } : {}),
      trainCost: on('train-cost'), trainAccuracy: on('train-accuracy'), validationCost: on('validation-cost'),
      validationAccuracy: on('validation-accuracy'), testCost: on('test-cost'), testAccuracy: on('test-accuracy'),
    };
  }
  if (v['monitor-every'] !== undefined && v.monitor === undefined) c.monitor = { interval: v['monitor-every'] as number };
  return c;
}
