/**
 * A mini-batch taken through a convolutional network in parts (`forwardBackward`, `partSize`)
 * gives the gradient and cost of the whole mini-batch at once, within float32 rounding; and only
 * convolutional networks are split.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../src/core/rng.js';
import { costByName } from '../src/costs/index.js';
import { referenceKernels as K } from '../src/kernels/reference.js';
import { parseArchitecture } from '../src/network/arch.js';
import { Network } from '../src/network/network.js';
import { CONV_PART, forwardBackward, partSize } from '../src/train/gradient.js';

const CNN = 'conv 3x3x3 relu, maxpool 2, conv 4x2x2 relu, dropout 0.3, dense 7 relu, softmax 4';
function net(arch: string, dropoutPerBatch = false): Network {
  return new Network({ inputShape: [1, 9, 9], layers: parseArchitecture(arch), cost: costByName('log-likelihood'), init: 'default', kernels: K, rng: new Rng(3), dropoutPerBatch });
}
function batch(m: number): { x: Float32Array; y: Float32Array } {
  const rng = new Rng(9);
  const x = new Float32Array(m * 81).map(() => rng.uniform());
  const y = new Float32Array(m * 4);
  for (let i = 0; i < m; i++) y[i * 4 + rng.int(4)] = 1;
  return { x, y };
}

test('partSize: convolutional networks in parts of at most CONV_PART, of equal size; dense networks and per-mini-batch dropout masks whole', () => {
  const c = net(CNN);
  assert.equal(partSize(c, 10), 10);
  assert.equal(partSize(c, CONV_PART), CONV_PART);
  assert.equal(partSize(c, CONV_PART + 1), Math.ceil((CONV_PART + 1) / 2));
  assert.equal(partSize(c, 64), 11); // 6 parts: 11 × 5 + 9
  assert.equal(partSize(c, 32), 11); // 3 parts: 11 + 11 + 10
  assert.equal(partSize(net('dense 20 relu, softmax 4'), 100), 100);
  assert.equal(partSize(net(CNN, true), 64), 64, 'one dropout mask a mini-batch: parts would draw one each');
});

test('forwardBackward in parts gives the whole mini-batch\'s gradient and cost (dropout masks drawn in the same order)', () => {
  const m = 29; // parts of 10, 10, 9
  const { x, y } = batch(m);
  // whole: one forward and one backward over all 29 rows
  const whole = net(CNN);
  whole.ensureCapacity(m);
  const out = whole.forward(x, m, true);
  const wantCost = whole.cost.value(out, y, m, 4);
  whole.backward(y, m);
  const want = whole.params().map((p) => Float32Array.from(p.grad.subarray(0, p.size)));
  // in parts, on an identical network (same seed: same weights, same dropout draws)
  const parts = net(CNN);
  parts.ensureCapacity(m);
  for (const p of parts.params()) p.grad.fill(123); // stale values must be overwritten by the first part
  assert.ok(partSize(parts, m) < m, 'the batch is really split');
  const cost = forwardBackward(parts, x, y, m, m, 4);
  assert.ok(Math.abs(cost - wantCost) <= 1e-5 * Math.abs(wantCost), `cost ${cost} vs ${wantCost}`);
  parts.params().forEach((p, i) => {
    let scale = 0;
    for (const v of want[i]!) scale = Math.max(scale, Math.abs(v));
    assert.ok(scale > 0, `${p.name} has a gradient (the comparison is not vacuous)`);
    for (let j = 0; j < p.size; j++) assert.ok(Math.abs(p.grad[j]! - want[i]![j]!) <= 1e-5 * scale, `${p.name}[${j}]: ${p.grad[j]} in parts vs ${want[i]![j]} whole`);
  });
});

test('forwardBackward stops at the part whose cost is not finite, without its backward pass', () => {
  const m = 25; // parts of 9, 8, 8
  const { x, y } = batch(m);
  const n = net(CNN);
  n.ensureCapacity(m);
  const real = n.cost;
  let parts = 0, backwards = 0;
  // the second part's cost is NaN
  (n as { cost: typeof real }).cost = { ...real, value: (a, t, count, classes) => (++parts === 2 ? Number.NaN : real.value(a, t, count, classes)) };
  const backward = n.backward.bind(n);
  n.backward = (...args) => (backwards++, backward(...args));
  assert.ok(Number.isNaN(forwardBackward(n, x, y, m, m, 4)));
  assert.equal(parts, 2, 'the third part is not computed');
  assert.equal(backwards, 1, 'only the first part went backward');
});
