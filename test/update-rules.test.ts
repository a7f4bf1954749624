/**
 * Each update rule against values worked out by hand for a few steps on tiny arrays. The step is
 * composed as the trainer composes it: regularizers add their gradient terms, the optimizer
 * steps, then constraints (max-norm) project. Gradients are set fresh before each step, as
 * backprop does.
 *
 * Shared numbers: η = 0.1, n = 10 (training-set size), λ = 1, so ηλ/n = 0.01.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceKernels as K } from '../src/kernels/reference.js';
import { makeParam, type Param } from '../src/layers/layer.js';
import { l1, l2, maxNorm, type Regularizer } from '../src/regularizers/index.js';
import { adagrad, adam, adamw, momentum, nesterov, rmsprop, sgd, type Optimizer } from '../src/optimizers/index.js';
import { Network } from '../src/network/network.js';
import { Rng } from '../src/core/rng.js';
import { costByName } from '../src/costs/index.js';
import { resolveConfig } from '../src/train/resolve.js';
import { train } from '../src/train/trainer.js';
import type { ExampleSet, Splits } from '../src/data/dataset.js';

const ETA = 0.1;
const N = 10;

function weights(values: number[], units: number): Param {
  const p = makeParam(K, 'w', [units, values.length / units], true, units);
  p.value.set(values);
  return p;
}
function biases(values: number[]): Param {
  const p = makeParam(K, 'b', [values.length], false, values.length);
  p.value.set(values);
  return p;
}

/** One training step as the trainer does it, with gradients `grads[i]` for `params[i]`. */
function step(params: Param[], grads: number[][], opt: Optimizer, regs: Regularizer[], eta = ETA): void {
  params.forEach((p, i) => p.grad.set(grads[i]!));
  for (const r of regs) r.addGradient(params, N, K);
  opt.step(params, eta);
  for (const r of regs) r.project?.(params);
}

/** float32 storage: compare to the double-precision hand value within float32 rounding. */
function near(actual: ArrayLike<number>, expected: number[], what: string, tol = 1e-6): void {
  assert.equal(actual.length >= expected.length, true);
  for (let i = 0; i < expected.length; i++)
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol * Math.max(1, Math.abs(expected[i]!)), `${what}[${i}]: got ${actual[i]}, expected ${expected[i]}`);
}

// W = [[0.5, −1.0], [2.0, 0]] (2 units × 2 inputs), b = [0.2, −0.3].
// Gradients of C₀: step 1 gW = [0.1, 0.2, −0.3, 0], step 2 gW = [−0.2, 0.1, 0, 0.4]; gb = [0.5, −0.5] both steps.
const W0 = [0.5, -1.0, 2.0, 0];
const B0 = [0.2, -0.3];
const GW = [
  [0.1, 0.2, -0.3, 0],
  [-0.2, 0.1, 0, 0.4],
];
const GB = [0.5, -0.5];

test('L2 with sgd is exactly the book\'s eq. 93: w → (1 − ηλ/n)w − η g; biases not decayed (eq. 94)', () => {
  const w = weights(W0, 2);
  const b = biases(B0);
  const opt = sgd(K);
  step([w, b], [GW[0]!, GB], opt, [l2(1)]);
  // w: 0.99·0.5 − 0.1·0.1 = 0.485;  0.99·(−1) − 0.1·0.2 = −1.01;  0.99·2 + 0.1·0.3 = 2.01;  0.99·0 − 0 = 0
  near(w.value, [0.485, -1.01, 2.01, 0], 'w after step 1');
  // b: 0.2 − 0.1·0.5 = 0.15;  −0.3 + 0.1·0.5 = −0.25   (no (1 − ηλ/n) factor)
  near(b.value, [0.15, -0.25], 'b after step 1');
  step([w, b], [GW[1]!, GB], opt, [l2(1)]);
  // w: 0.99·0.485 + 0.1·0.2 = 0.48015 + 0.02 = 0.50015;  0.99·(−1.01) − 0.01 = −0.9999 − 0.01 = −1.0099;
  //    0.99·2.01 − 0 = 1.9899;  0.99·0 − 0.1·0.4 = −0.04
  near(w.value, [0.50015, -1.0099, 1.9899, -0.04], 'w after step 2');
  // b: 0.15 − 0.05 = 0.1;  −0.25 + 0.05 = −0.2
  near(b.value, [0.1, -0.2], 'b after step 2');
});

test('L1 with sgd: w → w − (ηλ/n) sgn(w) − η g with sgn(0) = 0 (eq. 97); biases not decayed', () => {
  const w = weights(W0, 2);
  const b = biases(B0);
  const opt = sgd(K);
  step([w, b], [GW[0]!, GB], opt, [l1(1)]);
  // w: 0.5 − 0.01 − 0.01 = 0.48;  −1 + 0.01 − 0.02 = −1.01;  2 − 0.01 + 0.03 = 2.02;  0 − 0.01·sgn(0) − 0 = 0
  near(w.value, [0.48, -1.01, 2.02, 0], 'w after step 1');
  assert.equal(w.value[3], 0, 'a zero weight with zero gradient stays exactly 0 (sgn(0) = 0)');
  near(b.value, [0.15, -0.25], 'b after step 1');
  step([w, b], [GW[1]!, GB], opt, [l1(1)]);
  // w: 0.48 − 0.01 + 0.02 = 0.49;  −1.01 + 0.01 − 0.01 = −1.01;  2.02 − 0.01 − 0 = 2.01;  0 − 0 − 0.04 = −0.04
  near(w.value, [0.49, -1.01, 2.01, -0.04], 'w after step 2');
  near(b.value, [0.1, -0.2], 'b after step 2');
});

test('the trainer\'s one-pass L2 step (sgd.stepDecayed with c = λ/n) gives the same eq. 93 numbers; biases not decayed', () => {
  const w = weights(W0, 2);
  const b = biases(B0);
  const opt = sgd(K);
  const c = l2(1).weightDecay!(N);
  assert.equal(c, 0.1);
  w.grad.set(GW[0]!);
  b.grad.set(GB);
  opt.stepDecayed!([w, b], ETA, c);
  near(w.value, [0.485, -1.01, 2.01, 0], 'w after step 1');
  near(b.value, [0.15, -0.25], 'b after step 1');
  w.grad.set(GW[1]!);
  opt.stepDecayed!([w, b], ETA, c);
  near(w.value, [0.50015, -1.0099, 1.9899, -0.04], 'w after step 2');
  near(b.value, [0.1, -0.2], 'b after step 2');
});

test('L1 and L2 together: w → w − (ηλ₂/n) w − (ηλ₁/n) sgn(w) − η g', () => {
  const w = weights(W0, 2);
  const b = biases(B0);
  const opt = sgd(K);
  const regs = [l2(1), l1(1)];
  step([w, b], [GW[0]!, GB], opt, regs);
  // w: 0.5 − 0.005 − 0.01 − 0.01 = 0.475;  −1 + 0.01 + 0.01 − 0.02 = −1.0;  2 − 0.02 − 0.01 + 0.03 = 2.0;  0
  near(w.value, [0.475, -1.0, 2.0, 0], 'w after step 1');
  step([w, b], [GW[1]!, GB], opt, regs);
  // w: 0.475 − 0.00475 − 0.01 + 0.02 = 0.48025;  −1 + 0.01 + 0.01 − 0.01 = −0.99;  2 − 0.02 − 0.01 − 0 = 1.97;  0 − 0 − 0 − 0.04 = −0.04
  near(w.value, [0.48025, -0.99, 1.97, -0.04], 'w after step 2');
  near(b.value, [0.1, -0.2], 'b after step 2');
});

test('max-norm: each unit\'s incoming weight vector is rescaled to norm ≤ c after the step; biases untouched', () => {
  // W = [[0.6, 0.8], [3, 4]], b = [5, −5], c = 1, sgd with η = 0.1.
  const w = weights([0.6, 0.8, 3, 4], 2);
  const b = biases([5, -5]);
  const opt = sgd(K);
  const regs = [maxNorm(1)];
  step([w, b], [[0.1, 0, 0, 0], [0, 0]], opt, regs);
  // row 0: [0.6 − 0.01, 0.8] = [0.59, 0.8], norm √(0.3481 + 0.64) = √0.9881 < 1 → unchanged
  // row 1: [3, 4], norm 5 > 1 → [3/5, 4/5] = [0.6, 0.8]
  near(w.value, [0.59, 0.8, 0.6, 0.8], 'w after step 1');
  near(b.value, [5, -5], 'biases are never constrained');
  step([w, b], [[-1, 0, 0, 0], [0, 0]], opt, regs);
  // row 0: [0.59 + 0.1, 0.8] = [0.69, 0.8], norm √(0.4761 + 0.64) = √1.1161 = 1.0564563407921788
  //        → [0.69/1.0564563407921788, 0.8/1.0564563407921788] = [0.6531268480840455, 0.757248519517734]
  // row 1: [0.6, 0.8], norm exactly 1 → unchanged
  near(w.value, [0.6531268480840455, 0.757248519517734, 0.6, 0.8], 'w after step 2');
});

test('momentum (eqs. 107–108): v → μv − η g, w → w + v, for weights and biases alike', () => {
  // μ = 0.9, η = 0.1. w = [1, −1], b = [0.3].
  // gw: [0.5, 0.2], [0.5, −0.4], [0, 0];  gb: [1], [1], [1].
  const w = weights([1, -1], 1);
  const b = biases([0.3]);
  const opt = momentum(K, 0.9);
  step([w, b], [[0.5, 0.2], [1]], opt, []);
  // v = [−0.05, −0.02], w = [0.95, −1.02];  vb = −0.1, b = 0.2
  near(w.value, [0.95, -1.02], 'w after step 1');
  near(b.value, [0.2], 'b after step 1');
  step([w, b], [[0.5, -0.4], [1]], opt, []);
  // v = 0.9·[−0.05, −0.02] − 0.1·[0.5, −0.4] = [−0.045 − 0.05, −0.018 + 0.04] = [−0.095, 0.022];  w = [0.855, −0.998]
  // vb = 0.9·(−0.1) − 0.1 = −0.19;  b = 0.2 − 0.19 = 0.01
  near(w.value, [0.855, -0.998], 'w after step 2');
  near(b.value, [0.01], 'b after step 2');
  step([w, b], [[0, 0], [1]], opt, []);
  // v = 0.9·[−0.095, 0.022] = [−0.0855, 0.0198];  w = [0.7695, −0.9782]
  // vb = 0.9·(−0.19) − 0.1 = −0.271;  b = 0.01 − 0.271 = −0.261
  near(w.value, [0.7695, -0.9782], 'w after step 3 (zero gradient: the velocity carries on)');
  near(b.value, [-0.261], 'b after step 3');
});

test('momentum with μ = 0 is plain gradient descent', () => {
  const a = weights([1, -2, 3], 1);
  const c = weights([1, -2, 3], 1);
  const m = momentum(K, 0);
  const s = sgd(K);
  for (const g of [[0.5, 0.1, -0.3], [0.2, -0.4, 0.9]]) {
    step([a], [g], m, []);
    step([c], [g], s, []);
  }
  assert.deepEqual([...a.value], [...c.value]);
});

test('Nesterov (look-ahead form): v → μv − η g, w → w + μv − η g', () => {
  // μ = 0.9, η = 0.1, w = [1]; g: 0.5, 0.5, 0.
  const w = weights([1], 1);
  const opt = nesterov(K, 0.9);
  step([w], [[0.5]], opt, []);
  // v = −0.05;  w = 1 + 0.9·(−0.05) − 0.05 = 1 − 0.045 − 0.05 = 0.905
  near(w.value, [0.905], 'step 1');
  step([w], [[0.5]], opt, []);
  // v = 0.9·(−0.05) − 0.05 = −0.095;  w = 0.905 + 0.9·(−0.095) − 0.05 = 0.905 − 0.0855 − 0.05 = 0.7695
  near(w.value, [0.7695], 'step 2');
  step([w], [[0]], opt, []);
  // v = 0.9·(−0.095) − 0 = −0.0855;  w = 0.7695 + 0.9·(−0.0855) = 0.7695 − 0.07695 = 0.69255
  near(w.value, [0.69255], 'step 3');
});

test('Nesterov\'s stored weights are the classic NAG look-ahead point w + μv on a quadratic', () => {
  // f(w) = ½ a w², ∇f = a w. Classic NAG: v ← μv − η∇f(w + μv), w ← w + v.
  const a = 3;
  const mu = 0.9;
  const eta = 0.05;
  let wc = 2;
  let vc = 0;
  const p = weights([2], 1); // stores w̃ = w + μv (= w at the start, v = 0)
  const opt = nesterov(K, mu);
  for (let t = 0; t < 6; t++) {
    vc = mu * vc - eta * a * (wc + mu * vc);
    wc = wc + vc;
    step([p], [[a * p.value[0]!]], opt, [], eta);
    near(p.value, [wc + mu * vc], `step ${t + 1}`, 1e-5);
  }
});

test('AdaGrad: G → G + g², w → w − η g / (√G + ε)', () => {
  // η = 0.1, ε = 1e-8, w = [1, 2]; g: [0.5, −2], [0.5, 1].
  const w = weights([1, 2], 1);
  const opt = adagrad(K, 1e-8);
  step([w], [[0.5, -2]], opt, []);
  // G = [0.25, 4];  w = [1 − 0.05/0.5, 2 + 0.2/2] = [0.9, 2.1]
  near(w.value, [0.9, 2.1], 'step 1');
  step([w], [[0.5, 1]], opt, []);
  // G = [0.5, 5];  w = [0.9 − 0.05/√0.5, 2.1 − 0.1/√5] = [0.9 − 0.07071067811865475, 2.1 − 0.044721359549995794]
  near(w.value, [0.8292893218813453, 2.055278640450004], 'step 2');
});

test('RMSProp: S → ρS + (1 − ρ) g², w → w − η g / (√S + ε)', () => {
  // ρ = 0.9, η = 0.1, ε = 1e-8, w = [1, 2]; g: [0.5, −2], [0.5, 1].
  const w = weights([1, 2], 1);
  const opt = rmsprop(K, 0.9, 1e-8);
  step([w], [[0.5, -2]], opt, []);
  // S = [0.1·0.25, 0.1·4] = [0.025, 0.4];  w = [1 − 0.05/√0.025, 2 + 0.2/√0.4] = [1 − 0.31622776601683794, 2 + 0.31622776601683794]
  near(w.value, [0.683772233983162, 2.316227766016838], 'step 1');
  step([w], [[0.5, 1]], opt, []);
  // S = [0.9·0.025 + 0.1·0.25, 0.9·0.4 + 0.1·1] = [0.0475, 0.46];  √S = [0.21794494717703367, 0.6782329983125268]
  // w = [0.683772233983162 − 0.05/0.21794494717703367, 2.316227766016838 − 0.1/0.6782329983125268]
  //   = [0.683772233983162 − 0.2294157338705618, 2.316227766016838 − 0.14744195615489714]
  near(w.value, [0.4543565001126002, 2.168785809861941], 'step 2');
});

test('Adam: bias-corrected moments, w → w − η m̂ / (√v̂ + ε)', () => {
  // β₁ = 0.9, β₂ = 0.999, η = 0.1, w = [1]; g: 0.5, −0.25. Two values of ε to pin where ε goes.
  for (const [eps, w1, w2] of [
    // t = 1: m = 0.05, v = 0.00025;  m̂ = 0.05/0.1 = 0.5, v̂ = 0.00025/0.001 = 0.25;  w = 1 − 0.1·0.5/(0.5 + ε)
    //        ε = 1e-8: 1 − 0.0999999980 = 0.900000002;  ε = 0.1: 1 − 0.05/0.6 = 0.9166666666666666
    // t = 2: m = 0.9·0.05 + 0.1·(−0.25) = 0.02, v = 0.999·0.00025 + 0.001·0.0625 = 0.00031225
    //        m̂ = 0.02/(1 − 0.81) = 0.10526315789473684, v̂ = 0.00031225/(1 − 0.998001) = 0.1562031015507775,
    //        √v̂ = 0.39522538070166685
    //        ε = 1e-8: w = 0.900000002 − 0.1·0.10526315789473684/0.39522538 = 0.900000002 − 0.02663370329215362
    //        ε = 0.1:  w = 0.9166666666666666 − 0.010526315789473684/0.49522538070166685 = 0.9166666666666666 − 0.021255606436324667
    [1e-8, 0.900000002, 0.8733662987078463],
    [0.1, 0.9166666666666666, 0.895411060230342],
  ] as const) {
    const w = weights([1], 1);
    const opt = adam(K, 0.9, 0.999, eps);
    step([w], [[0.5]], opt, []);
    near(w.value, [w1], `ε = ${eps}, step 1`);
    step([w], [[-0.25]], opt, []);
    near(w.value, [w2], `ε = ${eps}, step 2`);
  }
});

test('AdamW: the weights shrink by (1 − ηλ/n) first, then Adam steps on ∇C₀; biases are not decayed', () => {
  // η = 0.1, λ/n = 0.1 (so ηλ/n = 0.01), β₁ = 0.9, β₂ = 0.999, ε = 1e-8; w = [1], b = [1]; g = 0.5 for both.
  // AdamW: w = 0.99 − 0.1·0.5/(0.5 + ε) = 0.890000002;  b = 1 − 0.0999999980 = 0.900000002.
  // Adam with L2 puts (λ/n)w into g: g = 0.6, m̂ = 0.6, v̂ = 0.36, w = 1 − 0.1·0.6/(0.6 + ε) = 0.900000002:
  // at the first step the decay vanishes in the division by √v̂, which is what AdamW decouples.
  const w = weights([1], 1);
  const b = biases([1]);
  const opt = adamw(K, 0.9, 0.999, 1e-8);
  w.grad.set([0.5]);
  b.grad.set([0.5]);
  opt.stepDecayed!([w, b], ETA, 0.1);
  near(w.value, [0.890000002], 'AdamW weight');
  near(b.value, [0.900000002], 'AdamW bias');
  const w2 = weights([1], 1);
  step([w2], [[0.5]], adam(K, 0.9, 0.999, 1e-8), [l2(0.1 * N)]);
  near(w2.value, [0.900000002], 'Adam with L2');
  // without decay AdamW is Adam, step for step
  const a = weights([1, -2], 1);
  const a2 = weights([1, -2], 1);
  const ow = adamw(K, 0.9, 0.999, 1e-8);
  const oa = adam(K, 0.9, 0.999, 1e-8);
  for (const g of [[0.3, -0.1], [0.2, 0.5]]) {
    step([a], [g], ow, []);
    step([a2], [g], oa, []);
  }
  assert.deepEqual([...a.value], [...a2.value]);
});

test('each optimizer keeps separate state per parameter', () => {
  // Two parameters stepped by one optimizer must evolve as if each had its own optimizer.
  for (const make of [() => momentum(K, 0.9), () => nesterov(K, 0.9), () => adagrad(K, 1e-8), () => rmsprop(K, 0.9, 1e-8), () => adam(K, 0.9, 0.999, 1e-8), () => adamw(K, 0.9, 0.999, 1e-8)]) {
    const a = weights([1, 2], 1);
    const b = biases([-1]);
    const a2 = weights([1, 2], 1);
    const b2 = biases([-1]);
    const shared = make();
    const oa = make();
    const ob = make();
    for (const [ga, gb] of [[[0.3, -0.1], [0.7]], [[0.2, 0.5], [-0.4]]] as const) {
      step([a, b], [[...ga], [...gb]], shared, []);
      step([a2], [[...ga]], oa, []);
      step([b2], [[...gb]], ob, []);
    }
    assert.deepEqual([...a.value], [...a2.value], shared.name);
    assert.deepEqual([...b.value], [...b2.value], shared.name);
  }
});

/**
 * One epoch of one mini-batch through the trainer: a [3 → 2] sigmoid network, 4 examples in one
 * mini-batch of 4, η = 0.5, λ = 2, n = 4 (so 1 − ηλ/n = 0.75), with `optimizer`. Returns the
 * trained weights and biases, their initial values, and the gradients of C₀ at those values.
 */
async function oneTrainerStep(optimizer: 'sgd' | 'adamw') {
  const layers = [{ type: 'dense' as const, units: 2, activation: 'sigmoid' as const }];
  const config = resolveConfig({
    network: { layers, init: 'default' },
    cost: 'cross-entropy',
    epochs: 1,
    batchSize: 4,
    learningRate: 0.5,
    optimizer: { type: optimizer },
    regularization: { l2: 2 },
    data: { validationSize: 0 },
    monitor: { trainCost: false, trainAccuracy: false, validationCost: false, validationAccuracy: false, testCost: false, testAccuracy: false },
  });
  const pixels = new Float32Array([0.1, 0.9, 0.3, 0.7, 0.2, 0.0, 0.5, 0.5, 0.5, 1.0, 0.4, 0.8]);
  const set: ExampleSet = { pixels, labels: new Uint8Array([0, 1, 1, 0]), count: 4, shape: [3] };
  const empty: ExampleSet = { pixels: new Float32Array(0), labels: new Uint8Array(0), count: 0, shape: [3] };
  const data: Splits = { train: set, validation: empty, test: set, classes: 2 };
  const make = () => new Network({ inputShape: [3], layers, cost: costByName('cross-entropy'), init: 'default', kernels: K, rng: new Rng(99) });
  const net = make();
  const ref = make();
  const w0 = ref.params().map((p) => Float64Array.from(p.value));
  // the mean gradient over the four examples
  ref.forward(pixels, 4, true);
  ref.backward(new Float32Array([1, 0, 0, 1, 0, 1, 1, 0]), 4);
  await train({ config, data, kernels: K, network: net });
  const [w, b] = net.params();
  const [gw, gb] = ref.params();
  return { w: w!.value, b: b!.value, w0: w0[0]!, b0: w0[1]!, gw: gw!.grad, gb: gb!.grad };
}

test('the trainer applies eq. 93 with n = the training-set size: one epoch of one mini-batch', async () => {
  // after one step, w = (1 − ηλ/n) w₀ − η ∂C₀/∂w = 0.75 w₀ − 0.5 g, and b = b₀ − 0.5 g_b.
  const r = await oneTrainerStep('sgd');
  near(r.w, Array.from(r.w0, (v, i) => 0.75 * v - 0.5 * r.gw[i]!), 'weights', 1e-5);
  near(r.b, Array.from(r.b0, (v, i) => v - 0.5 * r.gb[i]!), 'biases (not decayed)', 1e-5);
});

test('the trainer gives AdamW the decay λ/n: one epoch of one mini-batch', async () => {
  // At its first step Adam moves each parameter by η g/(|g| + ε), about η sgn(g):
  // w = 0.75 w₀ − 0.5 sgn(g), b = b₀ − 0.5 sgn(g_b).
  const r = await oneTrainerStep('adamw');
  const move = (g: number) => (0.5 * g) / (Math.abs(g) + 1e-8);
  near(r.w, Array.from(r.w0, (v, i) => 0.75 * v - move(r.gw[i]!)), 'weights', 1e-5);
  near(r.b, Array.from(r.b0, (v, i) => v - move(r.gb[i]!)), 'biases (not decayed)', 1e-5);
});
