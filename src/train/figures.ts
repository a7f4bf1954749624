import type { CostName, PartialRunConfig } from '../core/config.js';
import { Rng } from '../core/rng.js';
import { costByName } from '../costs/index.js';
import type { Kernels } from '../kernels/kernels.js';
import { Network } from '../network/network.js';
import { sgd } from '../optimizers/index.js';
import { findPreset, sigmoidStack } from './presets.js';
import type { EpochRecord } from './trainer.js';

/** A per-epoch series a figure overlays (an `EpochRecord` field). */
export type FigureMetric = 'trainCost' | 'validationCost' | 'testCost' | 'trainAccuracy' | 'validationAccuracy' | 'testAccuracy' | 'learningRate';

/** One single-neuron run of the chapter-3 toy: input 1, target 0. */
export interface NeuronRun {
  label: string;
  cost: CostName;
  w: number;
  b: number;
  eta: number;
  epochs: number;
}

/**
 * A chapter-3 figure: runs to make and the curves to overlay. `kind: 'train'` figures train
 * networks on MNIST (one child process per run); `kind: 'neuron'` is the book's one-neuron toy.
 */
export type Figure = {
  name: string;
  /** Row or section of the book it reproduces. */
  book: string;
  title: string;
  description: string;
  metrics: FigureMetric[];
} & (
  | {
      kind: 'train';
      runs: { label: string; config: PartialRunConfig }[];
      /** Overrides applied to every run with --quick (fewer epochs, less data). */
      quick: PartialRunConfig;
      /** Chart final accuracy against a numeric setting (one x per run). */
      versus?: { xLabel: string; x: number[]; logX?: boolean };
    }
  | { kind: 'neuron'; runs: NeuronRun[]; quickEpochs: number }
);

const ch3 = { trainCost: true, trainAccuracy: true, validationCost: false, validationAccuracy: false, testCost: true, testAccuracy: true };
const val = { trainCost: true, trainAccuracy: false, validationCost: true, validationAccuracy: true, testCost: false, testAccuracy: false };

function preset(name: string): PartialRunConfig {
  const p = findPreset(name);
  if (!p) throw new Error(`figure refers to a missing preset ${name}`);
  return p.config;
}

/** [784,30,10] sigmoid, cross-entropy, the book's chapter-3 settings, plus `over`. */
function ch3Net(hidden: number, over: PartialRunConfig): PartialRunConfig {
  return { network: { layers: sigmoidStack([hidden, 10]), init: 'default' }, cost: 'cross-entropy', learningRate: 0.5, batchSize: 10, ...over };
}

const B13_SIZES = [100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000];

/** Every figure preset, in the book's order. */
export const FIGURES: readonly Figure[] = [
  {
    name: 'neuron', book: 'ch.3 "The cross-entropy cost function"', kind: 'neuron',
    title: 'One sigmoid neuron learning: quadratic vs cross-entropy cost',
    description:
      'Input 1, target output 0, η = 0.15, 300 epochs, from w = 0.6, b = 0.9 and from w = b = 2.0. From the badly wrong start (w = b = 2) the quadratic cost learns slowly at first (σ′(z) is tiny), the cross-entropy cost does not.',
    metrics: ['trainCost'],
    quickEpochs: 300,
    runs: (['quadratic', 'cross-entropy'] as const).flatMap((cost) => [
      { label: `${cost}, w=0.6 b=0.9`, cost, w: 0.6, b: 0.9, eta: 0.15, epochs: 300 },
      { label: `${cost}, w=2 b=2`, cost, w: 2, b: 2, eta: 0.15, epochs: 300 },
    ]),
  },
  {
    name: 'overfitting', book: 'B3', kind: 'train',
    title: 'Overfitting: [784,30,10] on 1,000 images for 400 epochs',
    description: 'The training cost keeps falling while the test cost turns up after about 15 epochs and test accuracy stalls near 82 %: the network memorizes its 1,000 images.',
    metrics: ['trainCost', 'testCost', 'trainAccuracy', 'testAccuracy'],
    runs: [{ label: 'λ = 0', config: preset('b3') }],
    quick: { epochs: 60 },
  },
  {
    name: 'l2-cure', book: 'B3 / B5', kind: 'train',
    title: 'L2 regularization cures the overfitting (λ = 0 vs λ = 0.1)',
    description: 'As "overfitting", with and without L2 weight decay λ = 0.1: with it, test accuracy keeps rising (the book: 87.1 % against 82.27 %).',
    metrics: ['trainCost', 'testCost', 'trainAccuracy', 'testAccuracy'],
    runs: [
      { label: 'λ = 0', config: preset('b3') },
      { label: 'λ = 0.1', config: preset('b5') },
    ],
    quick: { epochs: 60 },
  },
  {
    name: 'training-size', book: 'B13', kind: 'train',
    title: 'Accuracy against training-set size',
    description: 'The same [784,30,10] network trained on 100 to 50,000 images (λ = 5·n/50,000, 1.5 million examples seen): more data helps, with diminishing returns.',
    metrics: ['validationAccuracy'],
    runs: B13_SIZES.map((n) => ({ label: `${n} images`, config: preset(`b13-${n}`) })),
    versus: { xLabel: 'training images', x: B13_SIZES, logX: true },
    // --quick: 30 epochs each, whatever the size (the small sets then see fewer examples).
    quick: { epochs: 30, monitor: { interval: 1 } } as PartialRunConfig,
  },
  ...([[30, 'B15'], [100, 'B16']] as const).map(([hidden, row]): Figure => ({
    name: `init-${hidden}`, book: row, kind: 'train',
    title: `Weight initialization, [784,${hidden},10]: N(0,1) vs N(0,1/n_in)`,
    description: 'Large N(0,1) weights saturate the hidden neurons and learning starts slowly; N(0,1/n_in) starts far better and ends a little better (λ = 5, η = 0.1, 30 epochs).',
    metrics: ['validationAccuracy', 'trainCost'],
    runs: [
      { label: 'large N(0,1)', config: { ...preset(`${row.toLowerCase()}-large`), monitor: val } },
      { label: 'default N(0,1/n_in)', config: { ...preset(`${row.toLowerCase()}-default`), monitor: val } },
    ],
    quick: { data: { trainSize: 5000 }, epochs: 10 },
  })),
  {
    name: 'learning-rates', book: 'B22', kind: 'train',
    title: 'Three learning rates: η = 0.025, 0.25, 2.5 (training cost)',
    description: 'η = 2.5 is too large: the training cost oscillates; η = 0.025 is too small: it falls slowly; η = 0.25 is about right ([784,30,10], λ = 5, 30 epochs).',
    metrics: ['trainCost'],
    runs: [0.025, 0.25, 2.5].map((eta) => ({ label: `η = ${eta}`, config: ch3Net(30, { learningRate: eta, epochs: 30, regularization: { l2: 5 }, monitor: { ...val, validationCost: false } }) })),
    quick: { data: { trainSize: 5000 }, epochs: 10 },
  },
  {
    name: 'momentum', book: 'ch.3 "Variations on stochastic gradient descent"', kind: 'train',
    title: 'Plain SGD against momentum (μ = 0.9)',
    description: 'Momentum-based gradient descent with μ = 0.9 against plain SGD, same η = 0.1, λ = 5, [784,30,10].',
    metrics: ['trainCost', 'validationAccuracy'],
    runs: [
      { label: 'SGD', config: ch3Net(30, { learningRate: 0.1, epochs: 30, regularization: { l2: 5 }, optimizer: { type: 'sgd' }, monitor: val }) },
      { label: 'momentum μ = 0.9', config: ch3Net(30, { learningRate: 0.1, epochs: 30, regularization: { l2: 5 }, optimizer: { type: 'momentum', momentum: 0.9 }, monitor: val }) },
    ],
    quick: { data: { trainSize: 5000 }, epochs: 10 },
  },
  {
    name: 'activations', book: 'ch.3 "Other models of artificial neuron"', kind: 'train',
    title: 'Hidden neurons: sigmoid against tanh against ReLU',
    description: '[784,100,10] with softmax output and log-likelihood cost, η = 0.1, λ = 5, 30 epochs; only the hidden neurons change.',
    metrics: ['trainCost', 'validationAccuracy'],
    runs: (['sigmoid', 'tanh', 'relu'] as const).map((act) => ({
      label: act,
      config: { network: { layers: sigmoidStack([100, 10], 'softmax', act), init: 'default' }, cost: 'log-likelihood', learningRate: 0.1, epochs: 30, regularization: { l2: 5 }, monitor: val },
    })),
    quick: { data: { trainSize: 5000 }, epochs: 10 },
  },
  {
    name: 'l1-l2', book: 'ch.3 "L1 regularization"', kind: 'train',
    title: 'L1 against L2 regularization',
    description: 'No regularization, L2 λ = 5 and L1 λ = 5 on [784,30,10]. Open each run\'s report for its weight histograms: L1 leaves many weights near zero, L2 shrinks them all.',
    metrics: ['trainCost', 'validationAccuracy'],
    runs: [
      { label: 'none', config: ch3Net(30, { learningRate: 0.5, epochs: 30, regularization: { l2: 0, l1: 0 }, monitor: val }) },
      { label: 'L2 λ = 5', config: ch3Net(30, { learningRate: 0.5, epochs: 30, regularization: { l2: 5, l1: 0 }, monitor: val }) },
      { label: 'L1 λ = 5', config: ch3Net(30, { learningRate: 0.5, epochs: 30, regularization: { l2: 0, l1: 5 }, monitor: val }) },
    ],
    quick: { data: { trainSize: 5000 }, epochs: 10 },
  },
  {
    name: 'dropout', book: 'ch.3 "Dropout"', kind: 'train',
    title: 'Dropout on and off (1,000 training images)',
    description: '[784,100,10] on 1,000 images with and without dropout p = 0.5 on the hidden layer, no L2: dropout narrows the gap between training and test accuracy.',
    metrics: ['trainAccuracy', 'testAccuracy', 'testCost'],
    runs: [0, 0.5].map((p) => ({
      label: p ? `dropout ${p}` : 'no dropout',
      config: {
        data: { trainSize: 1000 },
        network: { layers: p ? [{ type: 'dense', units: 100, activation: 'sigmoid' }, { type: 'dropout', rate: p }, { type: 'dense', units: 10, activation: 'sigmoid' }] : sigmoidStack([100, 10]), init: 'default' },
        cost: 'cross-entropy', learningRate: 0.5, epochs: 150, regularization: { l2: 0 }, monitor: ch3,
      } as PartialRunConfig,
    })),
    quick: { epochs: 40 },
  },
];

export function findFigure(name: string): Figure | undefined {
  return FIGURES.find((f) => f.name === name.toLowerCase());
}

/**
 * The book's single sigmoid neuron (chapter 3): one input x = 1, target y = 0, trained by
 * gradient descent on that one example with the library's own Dense + sigmoid layers, cost and
 * SGD. Returns the per-epoch cost (before each step) and the neuron's output a = σ(wx + b).
 */
export function trainSingleNeuron(r: NeuronRun, kernels: Kernels): { epochs: EpochRecord[]; outputs: number[]; w: number; b: number } {
  const net = new Network({ inputShape: [1], layers: [{ type: 'dense', units: 1, activation: 'sigmoid' }], cost: costByName(r.cost), init: 'default', kernels, rng: new Rng(0) });
  const params = net.params();
  const [W, B] = params;
  W!.value[0] = r.w;
  B!.value[0] = r.b;
  const x = kernels.alloc(1);
  const y = kernels.alloc(1);
  x[0] = 1;
  y[0] = 0;
  const opt = sgd(kernels);
  const epochs: EpochRecord[] = [];
  const outputs: number[] = [];
  for (let e = 1; e <= r.epochs; e++) {
    const a = net.forward(x, 1, true);
    outputs.push(a[0]!);
    const c = net.cost.value(a, y, 1, 1);
    net.backward(y, 1);
    opt.step(params, r.eta); // w → w − η ∂C/∂w, b → b − η ∂C/∂b
    epochs.push({ epoch: e, seconds: 0, learningRate: r.eta, trainCost: c, trainAccuracy: null, validationCost: null, validationAccuracy: null, testCost: null, testAccuracy: null });
  }
  return { epochs, outputs, w: W!.value[0]!, b: B!.value[0]! };
}
