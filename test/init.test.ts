/**
 * Weight initialization schemes: the spread of the weights and biases each one draws.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/core/rng.js';
import { initBiases, initWeights } from '../src/init/initializers.js';
import type { InitName } from '../src/core/config.js';
import { Network } from '../src/network/network.js';
import { parseArchitecture } from '../src/network/arch.js';
import { costByName } from '../src/costs/index.js';
import { referenceKernels } from '../src/kernels/reference.js';

function stats(a: Float32Array): { mean: number; sd: number; min: number; max: number } {
  let s = 0;
  let s2 = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of a) {
    s += v;
    s2 += v * v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = s / a.length;
  return { mean, sd: Math.sqrt(s2 / a.length - mean * mean), min, max };
}

const FAN_IN = 400;
const FAN_OUT = 100;
const N = FAN_IN * FAN_OUT; // 40,000 draws: the sample sd is within ~0.4 % of the true one (1 sd)

const CASES: [InitName, number, string][] = [
  ['default', 1 / Math.sqrt(FAN_IN), 'N(0, 1/n_in): σ = 1/√400 = 0.05'],
  ['large', 1, 'N(0, 1)'],
  ['he', Math.sqrt(2 / FAN_IN), 'N(0, 2/n_in): σ = √(2/400) ≈ 0.0707'],
  ['glorot', Math.sqrt(6 / (FAN_IN + FAN_OUT)) / Math.sqrt(3), 'U(±√(6/(n_in+n_out))): σ = r/√3 ≈ 0.0632'],
  ['network3', 1 / Math.sqrt(FAN_OUT), 'N(0, 1/n_out): σ = 1/√100 = 0.1'],
];

for (const [scheme, sd, what] of CASES) {
  test(`init ${scheme}: weights ${what}`, () => {
    const w = new Float32Array(N);
    initWeights(scheme, w, FAN_IN, FAN_OUT, new Rng(12));
    const s = stats(w);
    assert.ok(Math.abs(s.sd / sd - 1) < 0.02, `sd ${s.sd}, expected ${sd}`);
    assert.ok(Math.abs(s.mean) < (4 * sd) / Math.sqrt(N), `mean ${s.mean}`);
    if (scheme === 'glorot') {
      const r = Math.sqrt(6 / (FAN_IN + FAN_OUT));
      assert.ok(s.min >= -r && s.max <= r, 'uniform within ±r');
      assert.ok(s.min < -0.99 * r && s.max > 0.99 * r, 'and fills the range');
    } else {
      assert.ok(s.max > 3 * sd && s.min < -3 * sd, 'normal tails');
    }
  });
}

test('biases: N(0, 1) for the book\'s schemes, 0 for He and Glorot', () => {
  for (const scheme of ['default', 'large'] as const) {
    const b = new Float32Array(20000);
    initBiases(scheme, b, new Rng(3));
    const s = stats(b);
    assert.ok(Math.abs(s.sd - 1) < 0.03 && Math.abs(s.mean) < 0.03, `${scheme}: mean ${s.mean}, sd ${s.sd}`);
  }
  for (const scheme of ['he', 'glorot'] as const) {
    const b = new Float32Array(100).fill(5);
    initBiases(scheme, b, new Rng(3));
    assert.ok(b.every((v) => v === 0), scheme);
  }
});

test('the book\'s worked example: 1,000 inputs, half on; z has sd √501 ≈ 22.4 with N(0,1), √(3/2) ≈ 1.22 with N(0,1/n_in)', () => {
  // z = Σ_{500 inputs on} w_k + b. Sample many neurons and measure the spread of z.
  for (const [scheme, want] of [['large', Math.sqrt(501)], ['default', Math.sqrt(1.5)]] as const) {
    const neurons = 4000;
    const rng = new Rng(8);
    const w = new Float32Array(1000 * neurons);
    const b = new Float32Array(neurons);
    initWeights(scheme, w, 1000, neurons, rng);
    initBiases(scheme, b, rng);
    const z = new Float32Array(neurons);
    for (let j = 0; j < neurons; j++) {
      let s = b[j]!;
      for (let k = 0; k < 500; k++) s += w[j * 1000 + k]!;
      z[j] = s;
    }
    const sd = stats(z).sd;
    assert.ok(Math.abs(sd / want - 1) < 0.05, `${scheme}: sd of z ${sd}, the book says ${want}`);
  }
});

test('the same seed draws the same weights', () => {
  const a = new Float32Array(1000);
  const b = new Float32Array(1000);
  initWeights('default', a, 50, 20, new Rng(77));
  initWeights('default', b, 50, 20, new Rng(77));
  assert.deepEqual(a, b);
  initWeights('default', b, 50, 20, new Rng(78));
  assert.notDeepEqual(a, b);
});

test("init network3 in a network: a conv layer's n_out counts its pooling, the softmax layer starts at zero", () => {
  // network3.py: ConvPoolLayer σ = 1/√(filters·k²/pool area), FullyConnectedLayer σ = 1/√n_out, SoftmaxLayer w = b = 0
  const net = new Network({
    inputShape: [1, 28, 28],
    layers: parseArchitecture('conv 20x5x5, maxpool 2, relu, conv 40x5x5 relu, maxpool 2, dense 100 relu, softmax 10'),
    cost: costByName('log-likelihood'), init: 'network3', kernels: referenceKernels, rng: new Rng(5),
  });
  const [c1w, c1b, c2w, , d1w, d1b, sw, sb] = net.params().map((q) => q.value); // weights, biases of each layer in order
  const near = (a: Float32Array, sd: number, what: string) => assert.ok(Math.abs(stats(a).sd / sd - 1) < 0.1, `${what}: sd ${stats(a).sd}, expected ${sd}`);
  near(c1w!, 1 / Math.sqrt((20 * 25) / 4), 'conv 1 (pool after the layer)'); // 500 draws
  near(c2w!, 1 / Math.sqrt((40 * 25) / 4), 'conv 2 (pool after its relu)'); // 20,000 draws
  near(d1w!, 1 / Math.sqrt(100), 'dense 100');
  near(Float32Array.from([...c1b!, ...d1b!]), 1, 'biases N(0, 1)');
  assert.ok(sw!.every((v) => v === 0) && sb!.every((v) => v === 0), 'softmax layer all zero');
  // without pooling after it, a conv layer's n_out is filters·k²
  const flat = new Network({ inputShape: [1, 12, 12], layers: parseArchitecture('conv 40x5x5 relu, dense 10 sigmoid'), cost: costByName('cross-entropy'), init: 'network3', kernels: referenceKernels, rng: new Rng(5) });
  near(flat.params()[0]!.value, 1 / Math.sqrt(40 * 25), 'conv without pooling');
  assert.ok(flat.params()[2]!.value.some((v) => v !== 0), 'a sigmoid output layer is drawn, not zeroed');
});
