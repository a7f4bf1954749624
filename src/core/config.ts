/**
 * The description of a network and of a training run, as plain JSON-able data. The CLI's flags,
 * `--config FILE.json`, presets and the library all produce a `RunConfig`; every run records the
 * resolved config beside its results.
 */
import { ConfigError } from './errors.js';

export type ActivationName = 'sigmoid' | 'tanh' | 'relu' | 'softmax' | 'identity';
export type CostName = 'quadratic' | 'cross-entropy' | 'log-likelihood';
export type InitName = 'default' | 'large' | 'he' | 'glorot' | 'network3';
export type OptimizerName = 'sgd' | 'momentum' | 'nesterov' | 'adagrad' | 'rmsprop' | 'adam' | 'adamw';
export type PaddingName = 'valid' | 'same';

export const ACTIVATIONS: readonly ActivationName[] = ['sigmoid', 'tanh', 'relu', 'softmax', 'identity'];
export const COSTS: readonly CostName[] = ['quadratic', 'cross-entropy', 'log-likelihood'];
export const INITS: readonly InitName[] = ['default', 'large', 'he', 'glorot', 'network3'];
export const OPTIMIZERS: readonly OptimizerName[] = ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam', 'adamw'];

/** One layer of a network. `dense` and `conv2d` may carry an activation, which becomes its own layer. */
export type LayerSpec =
  | { type: 'dense'; units: number; activation?: ActivationName }
  | { type: 'activation'; activation: ActivationName }
  | { type: 'dropout'; rate: number }
  | { type: 'conv2d'; filters: number; kernel: number; stride?: number; padding?: PaddingName; activation?: ActivationName }
  | { type: 'maxpool'; size: number; stride?: number }
  | { type: 'avgpool'; size: number; stride?: number }
  | { type: 'flatten' };

export interface NetworkConfig {
  /**
   * The layers after the input, e.g. `[{type:'dense',units:30,activation:'sigmoid'}, ...]`, or the
   * compact string form `"dense 30 sigmoid, dense 10 sigmoid"`.
   */
  layers: LayerSpec[];
  /** Weight initialization: `default` N(0,1/n_in), `large` N(0,1), `he`, `glorot`, `network3` (the book's chapter-6 code; `src/init/initializers.ts`). */
  init: InitName;
}

export interface DataConfig {
  /** `"mnist"` for the embedded MNIST, or a folder holding the four standard-named IDX files. */
  source: string;
  /** Use only the first N training images (the book's small-data experiments). null: all. */
  trainSize: number | null;
  /** Images held out from the end of the training file for validation (the book: 10,000). */
  validationSize: number;
  /** Data augmentation pipeline, e.g. "shift:2,rotate:15,elastic" (empty: none). */
  augment: string;
  /**
   * The order of the training examples: `shuffled` anew each epoch (network2.py; the default, and
   * absent from a config that does not set it), or `fixed`, the file's order every epoch, as
   * network3.py (chapter 6) visits its mini-batches.
   */
  order?: 'shuffled' | 'fixed';
}

export interface OptimizerConfig {
  type: OptimizerName;
  /** Momentum coefficient μ (momentum, nesterov). */
  momentum: number;
  /** Adam's (and AdamW's) β₁ and β₂. AdamW's decay is L2's λ (`regularization.l2`), applied to w directly. */
  beta1: number;
  beta2: number;
  /** RMSProp's decay ρ. */
  rho: number;
  /** ε in the denominators of AdaGrad, RMSProp, Adam, AdamW. */
  epsilon: number;
}

export interface RegularizationConfig {
  /** L2 parameter λ: w → (1 − ηλ/n) w − η ∂C₀/∂w, n the training-set size. */
  l2: number;
  /** L1 parameter λ: w → w − (ηλ/n) sgn(w) − η ∂C₀/∂w. */
  l1: number;
  /** Max-norm constraint c on each unit's incoming weight vector (0: off). */
  maxNorm: number;
  /** Dropout masks drawn per example (`example`, as network3) or one per mini-batch (`batch`, the book's text). */
  dropoutMask: 'example' | 'batch';
}

export type ScheduleConfig =
  | { type: 'constant' }
  /** η multiplied by `factor` every `every` epochs. */
  | { type: 'step'; every: number; factor: number }
  /** The book's rule: halve η when validation accuracy has not improved for `patience` epochs; stop at η₀/`minFactor`. */
  | { type: 'plateau'; patience: number; factor: number; minFactor: number }
  /**
   * Cosine annealing from η₀ down to η₀·`final` (Loshchilov & Hutter 2017): over the run's epochs,
   * or with `cycles` (epoch counts adding up to the run's) once per cycle, each later cycle
   * restarting at η₀·`restart` (default 1). The network at the end of each cycle is a snapshot
   * (Huang et al. 2017, "Snapshot ensembles"): `nnlab train` saves them for a vote.
   */
  | { type: 'cosine'; final: number; cycles?: number[]; restart?: number };

export interface EarlyStoppingConfig {
  /** Stop when validation accuracy has not improved in this many epochs (0: off). Keeps the best weights. */
  patience: number;
}

export interface MonitorConfig {
  trainCost: boolean;
  trainAccuracy: boolean;
  validationCost: boolean;
  validationAccuracy: boolean;
  /** Per-epoch test-set monitors (the book's chapter-3 graphs use the test set "to keep results comparable"). */
  testCost: boolean;
  testAccuracy: boolean;
  /** Evaluate the monitors every this many epochs (and after the last epoch). */
  interval: number;
}

export interface RunConfig {
  data: DataConfig;
  network: NetworkConfig;
  cost: CostName;
  epochs: number;
  batchSize: number;
  /** η. */
  learningRate: number;
  optimizer: OptimizerConfig;
  regularization: RegularizationConfig;
  schedule: ScheduleConfig;
  earlyStopping: EarlyStoppingConfig;
  monitor: MonitorConfig;
  /** Seed of every random choice of the run. */
  seed: number;
  /** Kernel backend: `auto` picks the fastest available. */
  backend: string;
  /**
   * `false`: the wasm backends' build without fused multiply-adds (a multiply, then an add: the
   * numbers of runs made before the FMA build existed, bit for bit). Absent (the default): fused
   * wherever the engine and processor allow. Present only when false, so that the configs of
   * earlier runs still compare equal.
   */
  fma?: false;
  /**
   * Weight averaging (SWA, Izmailov et al. 2018, "Averaging Weights Leads to Wider Optima and
   * Better Generalization"): from the end of this epoch (1-based) on, the weights that are
   * evaluated, kept and saved are the mean of the weights at the end of every epoch since then,
   * while training goes on from the current weights. Absent or 0: off (present only when on, so
   * that earlier runs' configs still compare equal).
   */
  averageFrom?: number;
}

/** A partial config, as a preset, a JSON file or flags give it; missing fields keep their defaults. */
export interface PartialRunConfig {
  data?: Partial<DataConfig>;
  /** `layers` may also be the compact architecture string. */
  network?: { layers?: LayerSpec[] | string; init?: InitName };
  cost?: CostName;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  optimizer?: Partial<OptimizerConfig>;
  regularization?: Partial<RegularizationConfig>;
  /** A whole schedule, or (no `type`) restarts laid onto the base's cosine schedule. */
  schedule?: ScheduleConfig | { cycles: number[]; restart?: number };
  earlyStopping?: Partial<EarlyStoppingConfig>;
  monitor?: Partial<MonitorConfig>;
  seed?: number;
  backend?: string;
  fma?: false;
  averageFrom?: number;
}

/** The default run: what `npm start` trains. */
export function defaultConfig(): RunConfig {
  return {
    data: { source: 'mnist', trainSize: null, validationSize: 10000, augment: '' },
    network: {
      layers: [
        { type: 'dense', units: 100, activation: 'sigmoid' },
        { type: 'dense', units: 10, activation: 'sigmoid' },
      ],
      init: 'default',
    },
    cost: 'cross-entropy',
    epochs: 30,
    batchSize: 10,
    learningRate: 0.5,
    optimizer: { type: 'sgd', momentum: 0.9, beta1: 0.9, beta2: 0.999, rho: 0.9, epsilon: 1e-8 },
    regularization: { l2: 5.0, l1: 0, maxNorm: 0, dropoutMask: 'example' },
    schedule: { type: 'constant' },
    earlyStopping: { patience: 0 },
    monitor: { trainCost: false, trainAccuracy: false, validationCost: true, validationAccuracy: true, testCost: false, testAccuracy: false, interval: 1 },
    seed: 1,
    backend: 'auto',
  };
}

/**
 * The fields a schedule may leave out, the same for a JSON config and the CLI's flags
 * (`--schedule step` is every 10 epochs × 0.1; `plateau` the book's halving after 10 epochs
 * without improvement, stopping at η₀/128).
 */
export const SCHEDULE_DEFAULTS = {
  step: { every: 10, factor: 0.1 },
  plateau: { patience: 10, factor: 0.5, minFactor: 128 },
} as const;

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Deep-merge `over` onto `base` (arrays and primitives replace). An object whose `type` selects
 * its other fields (the schedule) is replaced whole when the type changes; the optimizer keeps
 * every parameter whatever its type, so `{optimizer: {type: 'adam'}}` merges onto the defaults.
 */
export function mergeConfig<T>(base: T, over: unknown): T {
  if (!isObj(over)) return base;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const b = out[k];
    const retyped = k !== 'optimizer' && isObj(b) && isObj(v) && 'type' in v && 'type' in b && v.type !== b.type;
    out[k] = isObj(b) && isObj(v) && !retyped ? mergeConfig(b, v) : v;
  }
  return out as T;
}

// ---- validation ---------------------------------------------------------------------------

function num(v: unknown, field: string, opts: { min?: number; max?: number; int?: boolean; gt?: number } = {}): number {
  const ok =
    typeof v === 'number' &&
    Number.isFinite(v) &&
    (!opts.int || Number.isInteger(v)) &&
    (opts.min === undefined || v >= opts.min) &&
    (opts.max === undefined || v <= opts.max) &&
    (opts.gt === undefined || v > opts.gt);
  if (!ok) {
    const parts = [opts.int ? 'an integer' : 'a number'];
    if (opts.gt !== undefined) parts.push(`> ${opts.gt}`);
    if (opts.min !== undefined) parts.push(`>= ${opts.min}`);
    if (opts.max !== undefined) parts.push(`<= ${opts.max}`);
    throw new ConfigError(field, parts.join(' '), v);
  }
  return v as number;
}

function oneOf<T extends string>(v: unknown, field: string, options: readonly T[]): T {
  if (typeof v !== 'string' || !options.includes(v as T)) throw new ConfigError(field, `one of ${options.join(', ')}`, v);
  return v as T;
}

function bool(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') throw new ConfigError(field, 'true or false', v);
  return v;
}

/** A cosine schedule's optional restarts: `cycles` (epochs per cycle) and `restart` (later cycles' first η as a fraction of η₀). */
function cosineCycles(s: Record<string, unknown>): { cycles?: number[]; restart?: number } {
  if (s.cycles === undefined) {
    if (s.restart !== undefined) throw new ConfigError('schedule.restart', 'schedule.cycles beside it (restart sets the η each later cycle starts from)', s.restart);
    return {};
  }
  if (!Array.isArray(s.cycles) || s.cycles.length === 0) throw new ConfigError('schedule.cycles', 'a non-empty list of epoch counts, e.g. [70, 10, 10]', s.cycles);
  const cycles = s.cycles.map((v, i) => num(v, `schedule.cycles[${i}]`, { int: true, min: 1 }));
  if (s.restart === undefined) return { cycles };
  const restart = num(s.restart, 'schedule.restart', { gt: 0, max: 1 });
  // a restart under the final η would make η rise along each later cycle
  if (typeof s.final === 'number' && restart < s.final) throw new ConfigError('schedule.restart', `at least schedule.final (${s.final}): each cycle falls from the restart's η to the final one`, restart);
  return { cycles, restart };
}

/**
 * Throw on a field of `raw` that its validated form `checked` does not have: a misspelt field
 * (`"activaton"`, `"name"` for `"type"`) would otherwise be ignored without a word.
 */
function onlyKnown(raw: Record<string, unknown>, checked: object, field: string, optional: readonly string[] = []): void {
  const known = new Set([...Object.keys(checked), ...optional]);
  for (const k of Object.keys(raw)) if (!known.has(k)) throw new ConfigError(`${field}.${k}`, `a known field of ${field} (${[...known].join(', ')})`, raw[k]);
}

/** Check one layer description; throws a `ConfigError` naming `field` when it is wrong. */
export function validateLayer(l: unknown, field: string): LayerSpec {
  if (!isObj(l)) throw new ConfigError(field, 'a layer object', l);
  const spec = layerSpec(l, field);
  onlyKnown(l, spec, field, spec.type === 'dense' || spec.type === 'conv2d' ? ['activation'] : []);
  return spec;
}

function layerSpec(l: Record<string, unknown>, field: string): LayerSpec {
  const type = oneOf(l.type, `${field}.type`, ['dense', 'activation', 'dropout', 'conv2d', 'maxpool', 'avgpool', 'flatten'] as const);
  const act = (v: unknown) => (v === undefined ? undefined : oneOf(v, `${field}.activation`, ACTIVATIONS));
  switch (type) {
    case 'dense': {
      const activation = act(l.activation);
      return { type, units: num(l.units, `${field}.units`, { int: true, min: 1 }), ...(activation ? { activation } : {}) };
    }
    case 'activation':
      return { type, activation: oneOf(l.activation, `${field}.activation`, ACTIVATIONS) };
    case 'dropout':
      return { type, rate: num(l.rate, `${field}.rate`, { min: 0, max: 0.99 }) };
    case 'conv2d': {
      const activation = act(l.activation);
      return {
        type,
        filters: num(l.filters, `${field}.filters`, { int: true, min: 1 }),
        kernel: num(l.kernel, `${field}.kernel`, { int: true, min: 1 }),
        stride: l.stride === undefined ? 1 : num(l.stride, `${field}.stride`, { int: true, min: 1 }),
        padding: l.padding === undefined ? 'valid' : oneOf(l.padding, `${field}.padding`, ['valid', 'same'] as const),
        ...(activation ? { activation } : {}),
      };
    }
    case 'maxpool':
    case 'avgpool': {
      const size = num(l.size, `${field}.size`, { int: true, min: 1 });
      return { type, size, stride: l.stride === undefined ? size : num(l.stride, `${field}.stride`, { int: true, min: 1 }) };
    }
    case 'flatten':
      return { type };
  }
}

/**
 * Check every field of a fully merged config. Throws a `ConfigError` naming the first bad field,
 * what it expected and what it got.
 */
export function validateConfig(c: unknown, parseLayers: (s: string) => LayerSpec[]): RunConfig {
  if (!isObj(c)) throw new ConfigError('(root)', 'an object', c);
  const d = isObj(c.data) ? c.data : {};
  const n = isObj(c.network) ? c.network : {};
  const o = isObj(c.optimizer) ? c.optimizer : {};
  const r = isObj(c.regularization) ? c.regularization : {};
  const s = isObj(c.schedule) ? c.schedule : {};
  const e = isObj(c.earlyStopping) ? c.earlyStopping : {};
  const m = isObj(c.monitor) ? c.monitor : {};

  let layersRaw: unknown = n.layers;
  if (typeof layersRaw === 'string') layersRaw = parseLayers(layersRaw);
  if (!Array.isArray(layersRaw) || layersRaw.length === 0) throw new ConfigError('network.layers', 'a non-empty list of layers', layersRaw);
  const layers = layersRaw.map((l, i) => validateLayer(l, `network.layers[${i}]`));

  let schedule: ScheduleConfig;
  const stype = oneOf(s.type, 'schedule.type', ['constant', 'step', 'plateau', 'cosine'] as const);
  for (const f of ['cycles', 'restart'])
    if (stype !== 'cosine' && s[f] !== undefined)
      throw new ConfigError(`schedule.${f}`, `schedule.type "cosine" (restarts belong to the cosine schedule; this one is "${stype}": on the command line, add --schedule cosine)`, s[f]);
  if (stype === 'constant') schedule = { type: 'constant' };
  else if (stype === 'cosine') schedule = { type: 'cosine', final: num(s.final ?? 0, 'schedule.final', { min: 0, max: 1 }), ...cosineCycles(s) };
  else if (stype === 'step')
    schedule = {
      type: 'step',
      every: num(s.every ?? SCHEDULE_DEFAULTS.step.every, 'schedule.every', { int: true, min: 1 }),
      factor: num(s.factor ?? SCHEDULE_DEFAULTS.step.factor, 'schedule.factor', { gt: 0, max: 1 }),
    };
  else
    schedule = {
      type: 'plateau',
      patience: num(s.patience ?? SCHEDULE_DEFAULTS.plateau.patience, 'schedule.patience', { int: true, min: 1 }),
      factor: num(s.factor ?? SCHEDULE_DEFAULTS.plateau.factor, 'schedule.factor', { gt: 0, max: 1 }),
      minFactor: num(s.minFactor ?? SCHEDULE_DEFAULTS.plateau.minFactor, 'schedule.minFactor', { min: 1 }),
    };

  const config: RunConfig = {
    data: {
      source: typeof d.source === 'string' && d.source.length > 0 ? d.source : (() => { throw new ConfigError('data.source', '"mnist" or a folder path', d.source); })(),
      trainSize: d.trainSize === null || d.trainSize === undefined ? null : num(d.trainSize, 'data.trainSize', { int: true, min: 1 }),
      validationSize: num(d.validationSize, 'data.validationSize', { int: true, min: 0 }),
      augment: typeof d.augment === 'string' ? d.augment : (() => { throw new ConfigError('data.augment', 'a string', d.augment); })(),
      ...(d.order === undefined ? {} : { order: oneOf(d.order, 'data.order', ['shuffled', 'fixed'] as const) }),
    },
    network: { layers, init: oneOf(n.init, 'network.init', INITS) },
    cost: oneOf(c.cost, 'cost', COSTS),
    epochs: num(c.epochs, 'epochs', { int: true, min: 1 }),
    batchSize: num(c.batchSize, 'batchSize', { int: true, min: 1 }),
    learningRate: num(c.learningRate, 'learningRate', { gt: 0 }),
    optimizer: {
      type: oneOf(o.type, 'optimizer.type', OPTIMIZERS),
      momentum: num(o.momentum, 'optimizer.momentum', { min: 0, max: 1 }),
      beta1: num(o.beta1, 'optimizer.beta1', { min: 0, max: 0.999999 }),
      beta2: num(o.beta2, 'optimizer.beta2', { min: 0, max: 0.99999999 }),
      rho: num(o.rho, 'optimizer.rho', { min: 0, max: 0.999999 }),
      epsilon: num(o.epsilon, 'optimizer.epsilon', { gt: 0 }),
    },
    regularization: {
      l2: num(r.l2, 'regularization.l2', { min: 0 }),
      l1: num(r.l1, 'regularization.l1', { min: 0 }),
      maxNorm: num(r.maxNorm, 'regularization.maxNorm', { min: 0 }),
      dropoutMask: oneOf(r.dropoutMask, 'regularization.dropoutMask', ['example', 'batch'] as const),
    },
    schedule,
    earlyStopping: { patience: num(e.patience, 'earlyStopping.patience', { int: true, min: 0 }) },
    monitor: {
      trainCost: bool(m.trainCost, 'monitor.trainCost'),
      trainAccuracy: bool(m.trainAccuracy, 'monitor.trainAccuracy'),
      validationCost: bool(m.validationCost, 'monitor.validationCost'),
      validationAccuracy: bool(m.validationAccuracy, 'monitor.validationAccuracy'),
      testCost: bool(m.testCost, 'monitor.testCost'),
      testAccuracy: bool(m.testAccuracy, 'monitor.testAccuracy'),
      interval: num(m.interval, 'monitor.interval', { int: true, min: 1 }),
    },
    seed: num(c.seed, 'seed', { int: true, min: 0 }),
    backend: typeof c.backend === 'string' ? c.backend : (() => { throw new ConfigError('backend', 'a backend name', c.backend); })(),
    ...(c.fma === undefined || c.fma === true ? {} : c.fma === false ? { fma: false as const } : (() => { throw new ConfigError('fma', 'false (or absent)', c.fma); })()),
    ...(c.averageFrom === undefined || c.averageFrom === 0 ? {} : { averageFrom: num(c.averageFrom, 'averageFrom', { int: true, min: 1 }) }),
  };
  if ((config.earlyStopping.patience > 0 || config.schedule.type === 'plateau') && (!config.monitor.validationAccuracy || config.data.validationSize === 0))
    throw new ConfigError(
      config.earlyStopping.patience > 0 ? 'earlyStopping.patience' : 'schedule.type',
      'validation accuracy to be monitored (monitor.validationAccuracy true and data.validationSize > 0) for a rule that watches it',
      config.earlyStopping.patience > 0 ? config.earlyStopping.patience : 'plateau',
    );
  if (config.schedule.type === 'cosine' && config.schedule.cycles) {
    const cycles = config.schedule.cycles;
    const sum = cycles.reduce((a, b) => a + b, 0);
    if (sum !== config.epochs) throw new ConfigError('schedule.cycles', `cycle lengths adding up to the run's ${config.epochs} epochs`, `${cycles.join(',')} (${sum} epochs)`);
    // each restart lowers validation accuracy for a while: early stopping would end the run
    // inside a later cycle and lose its snapshots; averaging would make each snapshot the mean
    // of all the epochs since averageFrom, so that the snapshots no longer differ
    if (config.earlyStopping.patience > 0)
      throw new ConfigError('earlyStopping.patience', '0 with a cosine schedule that restarts (a restart lowers validation accuracy for a while: early stopping would end the run in a later cycle and lose its snapshots)', config.earlyStopping.patience);
    if (config.averageFrom !== undefined)
      throw new ConfigError('averageFrom', "0 (off) with a cosine schedule that restarts (the snapshots would be running means of the same epochs, not each cycle's network)", config.averageFrom);
  }
  const known = new Set([...Object.keys(config), 'fma', 'averageFrom']); // the last two are present only when set
  for (const k of Object.keys(c)) if (!known.has(k)) throw new ConfigError(k, `a known field (${[...known].join(', ')})`, c[k]);
  onlyKnown(d, config.data, 'data', ['order']);
  onlyKnown(n, config.network, 'network');
  onlyKnown(o, config.optimizer, 'optimizer');
  onlyKnown(r, config.regularization, 'regularization');
  onlyKnown(s, config.schedule, 'schedule', config.schedule.type === 'cosine' ? ['cycles', 'restart'] : []);
  onlyKnown(e, config.earlyStopping, 'earlyStopping');
  onlyKnown(m, config.monitor, 'monitor');
  return config;
}
