/**
 * Dropout: the fraction dropped, the per-batch mask, and test-time output equal to the
 * training-time expectation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceKernels as K } from '../src/kernels/reference.js';
import { Rng } from '../src/core/rng.js';
import { Dropout, type LayerContext } from '../src/layers/index.js';
import { Network } from '../src/network/network.js';
import { costByName } from '../src/costs/index.js';
import { resolveConfig } from '../src/train/resolve.js';
import { buildNetwork } from '../src/train/trainer.js';
import { parseArchitecture } from '../src/network/arch.js';

function dropout(size: number, rate: number, perBatch: boolean, seed: number, capacity: number): Dropout {
  const ctx: LayerContext = { kernels: K, rng: new Rng(seed), init: 'default', index: 0 };
  const d = new Dropout([size], rate, perBatch, ctx);
  d.setCapacity(capacity);
  return d;
}

for (const rate of [0.2, 0.5, 0.8]) {
  test(`dropout p = ${rate}, per-example masks: the fraction dropped is p, and rows differ`, () => {
    const size = 100;
    const batch = 100;
    const d = dropout(size, rate, false, 3, batch);
    const x = new Float32Array(size * batch).fill(1);
    let dropped = 0;
    const rounds = 5;
    let rowsDiffer = false;
    for (let t = 0; t < rounds; t++) {
      const out = d.forward(x, batch, true);
      for (let i = 0; i < size * batch; i++) {
        assert.ok(out[i] === 0 || out[i] === 1, 'training-time dropout keeps a unit unchanged or zeroes it (the scaling is at test time)');
        if (out[i] === 0) dropped++;
      }
      for (let r = 1; r < batch && !rowsDiffer; r++) for (let j = 0; j < size; j++) if (out[j] !== out[r * size + j]) rowsDiffer = true;
    }
    const frac = dropped / (size * batch * rounds);
    // 50,000 Bernoulli draws: standard deviation √(p(1−p)/50000) ≤ 0.0023; allow 5 of them.
    assert.ok(Math.abs(frac - rate) < 0.012, `dropped ${frac}, expected ${rate}`);
    assert.ok(rowsDiffer, 'per-example mode draws a different mask for each example');
  });

  test(`dropout p = ${rate}, per-batch mask: one mask shared by every row, fraction p over many batches`, () => {
    const size = 50;
    const batch = 20;
    const d = dropout(size, rate, true, 5, batch);
    const x = new Float32Array(size * batch);
    for (let i = 0; i < x.length; i++) x[i] = 1 + (i % 7);
    let dropped = 0;
    const rounds = 400;
    let masksDiffer = false;
    let firstMask: string | null = null;
    for (let t = 0; t < rounds; t++) {
      const out = d.forward(x, batch, true);
      const mask = Array.from({ length: size }, (_, j) => (out[j] === 0 ? 0 : 1));
      for (let r = 0; r < batch; r++)
        for (let j = 0; j < size; j++) {
          const kept = out[r * size + j] !== 0;
          assert.equal(kept ? 1 : 0, mask[j], `batch ${t}: row ${r} unit ${j} does not follow the batch's mask`);
          if (kept) assert.equal(out[r * size + j], x[r * size + j]);
        }
      for (const v of mask) if (v === 0) dropped++;
      const key = mask.join('');
      if (firstMask === null) firstMask = key;
      else if (key !== firstMask) masksDiffer = true;
    }
    const frac = dropped / (size * rounds);
    // 20,000 draws: sd ≤ 0.0036; allow 5.
    assert.ok(Math.abs(frac - rate) < 0.018, `dropped ${frac}, expected ${rate}`);
    assert.ok(masksDiffer, 'a new mask is drawn for each mini-batch');
  });
}

test('dropout backward passes the error only through kept units', () => {
  const d = dropout(30, 0.5, false, 9, 4);
  const x = new Float32Array(120).fill(2);
  const out = d.forward(x, 4, true);
  const dy = new Float32Array(120);
  for (let i = 0; i < 120; i++) dy[i] = i + 1;
  const dx = d.backward(dy, 4);
  for (let i = 0; i < 120; i++) assert.equal(dx[i], out[i] === 0 ? 0 : dy[i]);
});

test('dropout at test time scales by (1 − p) and is deterministic', () => {
  const d = dropout(10, 0.3, false, 1, 2);
  const x = Float32Array.from({ length: 20 }, (_, i) => i / 10 - 0.5);
  const a = d.forward(x, 2, false).slice(0, 20);
  const b = d.forward(x, 2, false).slice(0, 20);
  assert.deepEqual(a, b);
  for (let i = 0; i < 20; i++) assert.ok(Math.abs(a[i]! - 0.7 * x[i]!) <= 1e-7, `unit ${i}: ${a[i]} is not 0.7 × ${x[i]}`);
});

for (const perBatch of [false, true]) {
  test(`test-time output equals the average of training-time outputs (layer alone, ${perBatch ? 'per-batch' : 'per-example'})`, () => {
    const size = 16;
    const batch = 4;
    const rate = 0.5;
    const d = dropout(size, rate, perBatch, 17, batch);
    const x = Float32Array.from({ length: size * batch }, (_, i) => ((i * 37) % 11) / 10);
    const rounds = 20000;
    const sum = new Float64Array(size * batch);
    for (let t = 0; t < rounds; t++) {
      const out = d.forward(x, batch, true);
      for (let i = 0; i < sum.length; i++) sum[i]! += out[i]!;
    }
    const testOut = d.forward(x, batch, false);
    for (let i = 0; i < sum.length; i++) {
      const mean = sum[i]! / rounds;
      // sd of the mean: x·√(p(1−p)/20000) ≤ 1·0.0036; allow 5 of them.
      assert.ok(Math.abs(mean - testOut[i]!) < 0.018, `unit ${i}: training mean ${mean}, test ${testOut[i]}`);
    }
  });
}

test('the book\'s "halve the outgoing weights": a network\'s test output equals its mean training output', () => {
  // dropout 0.5 → dense 3 (identity): the output is linear in the mask, so its expectation over
  // masks is exactly the test-time network's output.
  const net = new Network({
    inputShape: [8],
    layers: [{ type: 'dropout', rate: 0.5 }, { type: 'dense', units: 3, activation: 'identity' }],
    cost: costByName('quadratic'),
    init: 'default',
    kernels: K,
    rng: new Rng(23),
  });
  const x = Float32Array.from({ length: 16 }, (_, i) => Math.sin(i + 1));
  const rounds = 20000;
  const sum = new Float64Array(6);
  for (let t = 0; t < rounds; t++) {
    const out = net.forward(x, 2, true);
    for (let i = 0; i < 6; i++) sum[i]! += out[i]!;
  }
  const testOut = net.forward(x, 2, false);
  const w = net.params()[0]!.value;
  // Per output: sd of one sample = ½·√(Σ_k w_k² x_k²) ≤ ½·‖w‖ (|x| ≤ 1); of the mean, /√20000.
  let maxRow = 0;
  for (let j = 0; j < 3; j++) {
    let s = 0;
    for (let k = 0; k < 8; k++) s += w[j * 8 + k]! ** 2;
    maxRow = Math.max(maxRow, Math.sqrt(s));
  }
  const tol = (5 * 0.5 * maxRow) / Math.sqrt(rounds);
  for (let i = 0; i < 6; i++) assert.ok(Math.abs(sum[i]! / rounds - testOut[i]!) < tol, `output ${i}: training mean ${sum[i]! / rounds}, test ${testOut[i]} (tolerance ${tol})`);
});

test('the config\'s dropoutMask reaches the dropout layers (per example by default, per batch on request)', () => {
  for (const [mask, perBatch] of [['example', false], ['batch', true]] as const) {
    const config = resolveConfig({ network: { layers: parseArchitecture('dense 20 relu, dropout 0.5, softmax 10'), init: 'he' }, regularization: { dropoutMask: mask } });
    const net = buildNetwork(config, [784], 10, K, new Rng(1));
    const drops = net.layers.filter((l): l is Dropout => l instanceof Dropout);
    assert.equal(drops.length, 1);
    assert.equal(drops[0]!.perBatch, perBatch, mask);
    assert.equal(drops[0]!.rate, 0.5);
  }
  assert.equal(resolveConfig({}).regularization.dropoutMask, 'example');
});

test('Rng.dropMask draws what uniform() < p would, and leaves the generator where those draws would', () => {
  for (const p of [0.5, 0.2, 0.9, 0, 1]) {
    const a = new Rng(77), b = new Rng(77);
    const want = new Float32Array(1001).map(() => (a.uniform() < p ? 0 : 1));
    const got = new Float32Array(1001);
    b.dropMask(got, 1001, p);
    assert.deepEqual(got, want, `p = ${p}`);
    assert.equal(b.nextUint32(), a.nextUint32(), 'the same state afterwards');
    if (p === 0.5) assert.ok(Math.abs(got.reduce((s, v) => s + v, 0) - 500) < 60, 'about half kept');
  }
});
