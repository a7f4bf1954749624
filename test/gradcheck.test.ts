/**
 * Finite-difference gradient checks (central differences) for every layer, neuron, cost and
 * regularizer nnlab has. The cost is computed in float64 by summing the float32 outputs, the
 * analytic gradient comes from `Network.backward` (or a layer's own `backward`), and the two must
 * agree to within a tolerance that a 2 % error in any gradient would exceed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceKernels as K } from '../src/kernels/reference.js';
import { Rng } from '../src/core/rng.js';
import type { ActivationName, CostName, LayerSpec } from '../src/core/config.js';
import { costByName } from '../src/costs/index.js';
import { Network } from '../src/network/network.js';
import { Activation, Dense, Dropout, type Layer, type LayerContext, type Param } from '../src/layers/index.js';
import { l1, l2, type Regularizer } from '../src/regularizers/index.js';

/**
 * An Rng that can replay the uniform deviates it drew, so that a dropout layer in training mode
 * draws the same mask on every forward pass of a finite-difference check.
 */
class ReplayRng extends Rng {
  private log: number[] = [];
  private replayAt = -1;
  /** Start recording fresh deviates. */
  record(): void {
    this.log = [];
    this.replayAt = -1;
  }
  /** From now on, hand out the recorded deviates again from the start. */
  replay(): void {
    this.replayAt = 0;
  }
  override uniform(): number {
    if (this.replayAt >= 0) {
      if (this.replayAt >= this.log.length) this.replayAt = 0;
      return this.log[this.replayAt++]!;
    }
    const u = super.uniform();
    this.log.push(u);
    return u;
  }
  /** Dropout's masks, drawn (and replayed) through `uniform`: the same masks as `Rng.dropMask` (test/dropout.test.ts). */
  override dropMask(out: Float32Array, n: number, p: number): void {
    for (let i = 0; i < n; i++) out[i] = this.uniform() < p ? 0 : 1;
  }
}

const H = 1e-2;
/** |numeric − analytic| ≤ ATOL + RTOL · max(|numeric|, |analytic|). */
const ATOL = 2e-5;
const RTOL = 2e-3;

function close(num: number, ana: number): boolean {
  return Math.abs(num - ana) <= ATOL + RTOL * Math.max(Math.abs(num), Math.abs(ana));
}

function randomInput(rng: Rng, n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.uniform() * 2 - 1;
  return x;
}

function oneHot(rows: number, cols: number, rng: Rng): Float32Array {
  const y = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) y[r * cols + rng.int(cols)] = 1;
  return y;
}

interface Setup {
  net: Network;
  rng: ReplayRng;
  x: Float32Array;
  y: Float32Array;
  batch: number;
  regs: Regularizer[];
  /** The `n` of λ/n. */
  n: number;
}

function makeSetup(layers: LayerSpec[], cost: CostName, opts: { nIn?: number; batch?: number; seed?: number; regs?: Regularizer[]; dropoutPerBatch?: boolean } = {}): Setup {
  const nIn = opts.nIn ?? 4;
  const batch = opts.batch ?? 3;
  const rng = new ReplayRng(opts.seed ?? 7);
  const net = new Network({ inputShape: [nIn], layers, cost: costByName(cost), init: 'default', kernels: K, rng, dropoutPerBatch: opts.dropoutPerBatch ?? false });
  const dataRng = new Rng((opts.seed ?? 7) + 1000);
  const x = randomInput(dataRng, batch * nIn);
  const y = oneHot(batch, net.outputSize, dataRng);
  return { net, rng, x, y, batch, regs: opts.regs ?? [], n: 50 };
}

/** Mean cost over the batch plus every regularizer's penalty, in float64, with the recorded dropout masks. */
function totalCost(s: Setup): number {
  s.rng.replay();
  const out = s.net.forward(s.x, s.batch, true);
  let c = s.net.cost.value(out, s.y, s.batch, s.net.outputSize) / s.batch;
  for (const r of s.regs) c += r.penalty(s.net.params(), s.n);
  return c;
}

/** Analytic gradients: forward (drawing and recording the masks), backward, regularizer terms. */
function analytic(s: Setup): void {
  s.rng.record();
  s.net.forward(s.x, s.batch, true);
  s.net.backward(s.y, s.batch);
  for (const r of s.regs) r.addGradient(s.net.params(), s.n, K);
}

/** Central difference of f with respect to buf[i]; the step actually taken is measured in float32. */
function numericAt(buf: Float32Array, i: number, f: () => number): number {
  const orig = buf[i]!;
  buf[i] = orig + H;
  const up = buf[i]!;
  const cUp = f();
  buf[i] = orig - H;
  const down = buf[i]!;
  const cDown = f();
  buf[i] = orig;
  return (cUp - cDown) / (up - down);
}

interface Mismatch {
  name: string;
  index: number;
  numeric: number;
  analytic: number;
}

/** Compare every parameter's gradient with central differences; returns the mismatches and the count checked. */
function checkParams(s: Setup): { bad: Mismatch[]; checked: number; maxAbsGrad: number } {
  analytic(s);
  const params = s.net.params();
  const grads = params.map((p) => p.grad.slice(0, p.size));
  const bad: Mismatch[] = [];
  let checked = 0;
  let maxAbsGrad = 0;
  params.forEach((p, pi) => {
    for (let i = 0; i < p.size; i++) {
      const num = numericAt(p.value, i, () => totalCost(s));
      const ana = grads[pi]![i]!;
      maxAbsGrad = Math.max(maxAbsGrad, Math.abs(ana));
      checked++;
      if (!close(num, ana)) bad.push({ name: p.name, index: i, numeric: num, analytic: ana });
    }
  });
  return { bad, checked, maxAbsGrad };
}

function assertGradients(s: Setup, label: string): void {
  const { bad, checked, maxAbsGrad } = checkParams(s);
  assert.ok(checked > 0, `${label}: no parameters checked`);
  assert.ok(maxAbsGrad > 1e-4, `${label}: gradients are all ~0 (${maxAbsGrad}); the check would be vacuous`);
  assert.deepEqual(bad.slice(0, 5), [], `${label}: ${bad.length} of ${checked} gradients differ from central differences`);
}

// ---- output neuron × cost -------------------------------------------------------------------

/**
 * Every pairing for which the cost is defined. Cross-entropy needs outputs in (0, 1) and
 * log-likelihood positive outputs, so those two are checked with sigmoid and softmax outputs —
 * one fused pair (δ = a − y) and one through the general chain rule each. Quadratic takes all five.
 */
const PAIRS: [ActivationName, CostName][] = [
  ['sigmoid', 'quadratic'],
  ['tanh', 'quadratic'],
  ['relu', 'quadratic'],
  ['softmax', 'quadratic'],
  ['identity', 'quadratic'],
  ['sigmoid', 'cross-entropy'], // fused: δ = a − y (eq. 66)
  ['softmax', 'cross-entropy'], // chain rule through the softmax Jacobian
  ['softmax', 'log-likelihood'], // fused: δ = a − y (eq. 84)
  ['sigmoid', 'log-likelihood'], // chain rule through σ′
];

for (const [act, cost] of PAIRS) {
  test(`gradcheck: dense + ${act} output, ${cost} cost (weights and biases)`, () => {
    const s = makeSetup([{ type: 'dense', units: 3, activation: act }], cost, { seed: 11 });
    assertGradients(s, `${act}/${cost}`);
  });
}

test('gradcheck: the fused and chain-rule paths give the same output error', () => {
  // sigmoid + cross-entropy is fused (δ = a − y); the same net with an identity layer after the
  // sigmoid is not fused and goes through ∂C/∂a ⊙ σ′(z). Both must give the same gradients.
  for (const [act, cost] of [['sigmoid', 'cross-entropy'], ['softmax', 'log-likelihood']] as const) {
    const fused = makeSetup([{ type: 'dense', units: 3, activation: act }], cost, { seed: 5 });
    const chained = makeSetup([{ type: 'dense', units: 3, activation: act }, { type: 'activation', activation: 'identity' }], cost, { seed: 5 });
    analytic(fused);
    analytic(chained);
    const a = fused.net.params();
    const b = chained.net.params();
    assert.equal(a.length, b.length);
    a.forEach((p, i) => {
      for (let j = 0; j < p.size; j++) assert.ok(Math.abs(p.grad[j]! - b[i]!.grad[j]!) < 1e-5 + 1e-4 * Math.abs(p.grad[j]!), `${act}/${cost} ${p.name}[${j}]`);
    });
  }
});

// ---- multi-layer networks -------------------------------------------------------------------

const DEEP: [string, LayerSpec[], CostName][] = [
  ['sigmoid-sigmoid, cross-entropy', [{ type: 'dense', units: 5, activation: 'sigmoid' }, { type: 'dense', units: 3, activation: 'sigmoid' }], 'cross-entropy'],
  ['tanh-relu-softmax, log-likelihood', [{ type: 'dense', units: 5, activation: 'tanh' }, { type: 'dense', units: 4, activation: 'relu' }, { type: 'dense', units: 3, activation: 'softmax' }], 'log-likelihood'],
  ['relu-identity, quadratic', [{ type: 'dense', units: 6, activation: 'relu' }, { type: 'dense', units: 3, activation: 'identity' }], 'quadratic'],
  ['sigmoid-tanh-sigmoid, quadratic', [{ type: 'dense', units: 4, activation: 'sigmoid' }, { type: 'dense', units: 4, activation: 'tanh' }, { type: 'dense', units: 3, activation: 'sigmoid' }], 'quadratic'],
  ['dense without activation then softmax layer', [{ type: 'dense', units: 5 }, { type: 'activation', activation: 'tanh' }, { type: 'dense', units: 3 }, { type: 'activation', activation: 'softmax' }], 'log-likelihood'],
];

for (const [label, layers, cost] of DEEP) {
  test(`gradcheck: multi-layer ${label}`, () => {
    assertGradients(makeSetup(layers, cost, { seed: 3, batch: 4 }), label);
  });
}

// ---- dropout ----------------------------------------------------------------------------------

for (const perBatch of [false, true]) {
  test(`gradcheck: dropout with a fixed mask (training mode, ${perBatch ? 'per-batch' : 'per-example'} mask)`, () => {
    const layers: LayerSpec[] = [
      { type: 'dropout', rate: 0.5 },
      { type: 'dense', units: 6, activation: 'sigmoid' },
      { type: 'dropout', rate: 0.5 },
      { type: 'dense', units: 3, activation: 'softmax' },
    ];
    const s = makeSetup(layers, 'log-likelihood', { seed: 21, batch: 4, nIn: 6, dropoutPerBatch: perBatch });
    assertGradients(s, 'dropout');
    // The masks really drop something (else this would be a plain dense check).
    s.rng.replay();
    const dropped = (s.net.layers[0] as Layer).forward(s.x, s.batch, true);
    let zeros = 0;
    for (let i = 0; i < s.batch * 6; i++) if (dropped[i] === 0) zeros++;
    assert.ok(zeros > 0, 'the input dropout mask dropped nothing');
  });
}

// ---- regularizers ------------------------------------------------------------------------------

test('gradcheck: L2 gradient term (λ/n) w against the derivative of (λ/2n) Σ w²; biases untouched', () => {
  const s = makeSetup([{ type: 'dense', units: 3, activation: 'sigmoid' }], 'cross-entropy', { seed: 4, regs: [l2(5)] });
  assertGradients(s, 'L2 + cross-entropy');
  checkPenaltyAlone(l2(5), 4);
});

test('gradcheck: L1 gradient term (λ/n) sgn(w) against the derivative of (λ/n) Σ |w| (weights away from 0)', () => {
  const s = makeSetup([{ type: 'dense', units: 3, activation: 'softmax' }], 'log-likelihood', { seed: 8, regs: [l1(3)] });
  for (const p of s.net.params()) for (let i = 0; i < p.size; i++) if (Math.abs(p.value[i]!) < 10 * H) p.value[i] = 0.1;
  assertGradients(s, 'L1 + log-likelihood');
  checkPenaltyAlone(l1(3), 8);
});

test('gradcheck: L1 and L2 together', () => {
  const s = makeSetup([{ type: 'dense', units: 4, activation: 'tanh' }, { type: 'dense', units: 3, activation: 'sigmoid' }], 'quadratic', { seed: 9, regs: [l2(2), l1(1)] });
  for (const p of s.net.params()) for (let i = 0; i < p.size; i++) if (Math.abs(p.value[i]!) < 10 * H) p.value[i] = -0.1;
  assertGradients(s, 'L1 + L2 + quadratic');
});

/** The penalty's own gradient: with zero cost gradients, addGradient must equal d(penalty)/dw, and 0 for biases. */
function checkPenaltyAlone(reg: Regularizer, seed: number): void {
  const s = makeSetup([{ type: 'dense', units: 3, activation: 'sigmoid' }, { type: 'dense', units: 2, activation: 'sigmoid' }], 'quadratic', { seed });
  const params = s.net.params();
  for (const p of params) {
    for (let i = 0; i < p.size; i++) if (Math.abs(p.value[i]!) < 10 * H) p.value[i] = 0.25;
    p.grad.fill(0);
  }
  reg.addGradient(params, s.n, K);
  let nonzero = 0;
  for (const p of params) {
    for (let i = 0; i < p.size; i++) {
      const num = numericAt(p.value, i, () => reg.penalty(params, s.n));
      assert.ok(close(num, p.grad[i]!), `${reg.name} ${p.name}[${i}]: numeric ${num}, analytic ${p.grad[i]}`);
      if (!p.decay) assert.equal(p.grad[i], 0, `${reg.name} must not touch biases (${p.name})`);
      else if (p.grad[i] !== 0) nonzero++;
    }
  }
  assert.ok(nonzero > 0);
}

// ---- the input error path of each layer ---------------------------------------------------------

/**
 * For a layer alone, with the "cost" C = Σ r ⊙ layer(x) for a fixed random r, ∂C/∂x is exactly
 * what `backward(r)` returns. Checks the error each layer passes back (BP2), which the network
 * checks above only see indirectly.
 */
function checkInputError(makeLayer: (ctx: LayerContext) => Layer, nIn: number, batch: number, seed: number, rng: ReplayRng = new ReplayRng(seed)): void {
  const ctx: LayerContext = { kernels: K, rng, init: 'default', index: 0 };
  const layer = makeLayer(ctx);
  layer.setCapacity(batch);
  const dataRng = new Rng(seed + 1);
  const x = randomInput(dataRng, batch * nIn);
  const nOut = layer.outputShape.reduce((a, b) => a * b, 1);
  const r = randomInput(dataRng, batch * nOut);
  rng.record();
  layer.forward(x, batch, true);
  const dx = layer.backward(r, batch, true);
  assert.ok(dx, `${layer.kind}: no input error returned`);
  const got = dx.slice(0, batch * nIn);
  const params = layer.params();
  const pgrads = params.map((p) => p.grad.slice(0, p.size));
  const f = () => {
    rng.replay();
    const out = layer.forward(x, batch, true);
    let c = 0;
    for (let i = 0; i < batch * nOut; i++) c += r[i]! * out[i]!;
    return c;
  };
  let maxAbs = 0;
  for (let i = 0; i < batch * nIn; i++) {
    const num = numericAt(x, i, f);
    maxAbs = Math.max(maxAbs, Math.abs(got[i]!));
    assert.ok(close(num, got[i]!), `${layer.kind} input error [${i}]: numeric ${num}, analytic ${got[i]}`);
  }
  assert.ok(maxAbs > 1e-3, `${layer.kind}: input errors all ~0`);
  // Parameter gradients of a layer alone (not divided by anything: C is a plain sum).
  params.forEach((p, pi) => {
    for (let i = 0; i < p.size; i++) {
      const num = numericAt(p.value, i, f);
      assert.ok(close(num, pgrads[pi]![i]!), `${p.name}[${i}]: numeric ${num}, analytic ${pgrads[pi]![i]}`);
    }
  });
}

test('gradcheck: dense layer input error dA = δ·W and its weight/bias gradients', () => {
  checkInputError((ctx) => new Dense([5], 4, ctx), 5, 3, 31);
});

for (const act of ['sigmoid', 'tanh', 'relu', 'softmax', 'identity'] as const) {
  test(`gradcheck: ${act} layer input error dz = da ⊙ f′(z)`, () => {
    checkInputError((ctx) => new Activation([6], act, ctx), 6, 3, 41);
  });
}

for (const perBatch of [false, true]) {
  test(`gradcheck: dropout layer input error (${perBatch ? 'per-batch' : 'per-example'} mask)`, () => {
    checkInputError((ctx) => new Dropout([8], 0.5, perBatch, ctx), 8, 3, 51);
  });
}

// ---- the check itself catches errors -------------------------------------------------------------

test('gradcheck: a gradient 2 % off is caught', () => {
  const s = makeSetup([{ type: 'dense', units: 3, activation: 'sigmoid' }], 'quadratic', { seed: 11 });
  analytic(s);
  const p: Param = s.net.params()[0]!;
  // pick the largest gradient and perturb it by 2 %
  let best = 0;
  for (let i = 1; i < p.size; i++) if (Math.abs(p.grad[i]!) > Math.abs(p.grad[best]!)) best = i;
  const ana = p.grad[best]! * 1.02;
  const num = numericAt(p.value, best, () => totalCost(s));
  assert.ok(close(num, p.grad[best]!), 'the true gradient passes');
  assert.ok(!close(num, ana), `a 2 % error is not detected: numeric ${num}, perturbed ${ana}`);
});
