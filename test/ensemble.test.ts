import assert from 'node:assert/strict';
import { test } from 'node:test';
import { meanVote, pluralityVote, scoreEnsemble } from '../src/train/ensemble.js';

/** One member's outputs from rows of class scores. */
const rows = (...r: number[][]) => Float32Array.from(r.flat());

test('plurality vote: most votes win, ties go to the largest summed output', () => {
  // 3 classes, 4 examples, 3 members
  const a = rows([0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.1, 0.1, 0.8], [0.5, 0.4, 0.1]);
  const b = rows([0.6, 0.3, 0.1], [0.1, 0.2, 0.7], [0.3, 0.6, 0.1], [0.3, 0.6, 0.1]);
  const c = rows([0.1, 0.8, 0.1], [0.1, 0.8, 0.1], [0.35, 0.3, 0.35], [0.2, 0.2, 0.6]);
  // example 0: votes 0,0,1 → 0. example 1: 1,2,1 → 1. example 2: 2,1,{0 (first max of a tie)} → a 1–1–1 tie:
  // sums 0.75, 1.0, 1.25 → class 2. example 3: 0,1,2 → sums 1.0, 1.2, 0.8 → class 1.
  assert.deepEqual([...pluralityVote([a, b, c], 4, 3)], [0, 1, 2, 1]);
  // the mean of outputs can disagree with the vote: example 0 sums 1.6, 1.2, 0.2 → 0; example 1 sums 0.4, 1.7, 0.9 → 1
  assert.deepEqual([...meanVote([a, b, c], 4, 3)], [0, 1, 2, 1]);
  // the order of the members does not matter
  assert.deepEqual([...pluralityVote([c, a, b], 4, 3)], [0, 1, 2, 1]);
});

test('the vote and the mean of outputs differ when one confident member is outvoted', () => {
  const confident = rows([0.0, 1.0]);
  const weak1 = rows([0.55, 0.45]);
  const weak2 = rows([0.55, 0.45]);
  assert.deepEqual([...pluralityVote([confident, weak1, weak2], 1, 2)], [0]);
  assert.deepEqual([...meanVote([confident, weak1, weak2], 1, 2)], [1]);
});

test('scoreEnsemble counts each member, the vote, the mean and lists the vote errors', () => {
  const labels = Uint8Array.from([0, 1, 1, 2]);
  const a = rows([1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1]); // 3 / 4
  const b = rows([1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 1]); // 3 / 4
  const c = rows([0, 1, 0], [0, 1, 0], [0, 1, 0], [1, 0, 0]); // 2 / 4
  const s = scoreEnsemble([a, b, c], labels, 3);
  assert.deepEqual(s.members.map((m) => m.correct), [3, 3, 2]);
  assert.equal(s.vote.correct, 4);
  assert.equal(s.vote.accuracy, 1);
  assert.equal(s.mean.correct, 4);
  assert.deepEqual(s.voteErrors, []);
  const wrong = scoreEnsemble([c, c, a], labels, 3);
  assert.equal(wrong.vote.correct, 2);
  assert.deepEqual(wrong.voteErrors, [0, 3]);
  assert.throws(() => scoreEnsemble([], labels, 3), /at least one member/);
  assert.throws(() => scoreEnsemble([rows([1, 0, 0])], labels, 3), /member 0 has 3 outputs, expected 4 x 3/);
});

test('ensemble members are each scored on kernels of their own, so many large members fit', async () => {
  // A backend's memory only grows; with one shared by every member, nine deep-distort networks
  // overran WebAssembly's 2 GiB. Here: four members of about 7 MiB each, kernels of 16 MiB each.
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { Rng } = await import('../src/core/rng.js');
  const { createWasmKernels } = await import('../src/kernels/wasm/wasm-kernels.js');
  const { encodeModel } = await import('../src/network/model-file.js');
  const { buildNetwork } = await import('../src/train/trainer.js');
  const { resolveConfig } = await import('../src/train/resolve.js');
  const { memberOutputs } = await import('../src/cli/commands/ensemble.js');
  const dir = mkdtempSync(join(tmpdir(), 'nnlab-ensemble-'));
  try {
    const config = resolveConfig({ network: { layers: 'dense 1000 relu, softmax 10', init: 'he' }, cost: 'log-likelihood' });
    const small = () => createWasmKernels({ forcePlain: true, plainMemoryMiB: 16 });
    const files: string[] = [];
    for (let i = 0; i < 4; i++) {
      const net = buildNetwork(config, [1, 28, 28], 10, await small(), new Rng(i + 1));
      files.push(join(dir, `m${i}.nnlab`));
      writeFileSync(files[i]!, encodeModel(net));
    }
    let made = 0;
    const { outputs, classes } = await memberOutputs(files, 'mnist', () => (made++, small()));
    assert.equal(made, 4, 'one backend per member');
    assert.equal(classes, 10);
    // the same outputs as each member scored alone
    for (const [i, f] of files.entries()) {
      const alone = await memberOutputs([f], 'mnist', small);
      assert.deepStrictEqual(outputs[i], alone.outputs[0], `member ${i}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('test-time views: exact one-pixel moves of every image, and each member answers with the mean over them', async () => {
  const { TTA_VIEWS, ttaViews, viewOf } = await import('../src/data/augment/views.js');
  // three 2x3 images: 1..6, 11..16, 21..26
  const pixels = Uint8Array.from({ length: 18 }, (_, i) => 10 * Math.floor(i / 6) + (i % 6) + 1);
  const set = { pixels, labels: Uint8Array.of(0, 1, 2), count: 3, shape: [1, 2, 3] };
  assert.equal(viewOf(set, [0, 0], 'x'), set, 'the image itself is not copied');
  const right = viewOf(set, [1, 0], 'x');
  assert.deepEqual([...right.pixels.subarray(6, 12)], [0, 11, 12, 0, 14, 15], 'moved one pixel right, the left column zero');
  assert.deepEqual([...viewOf(set, [-1, 1], 'x').pixels.subarray(12, 18)], [0, 0, 0, 22, 23, 0], 'down and left');
  assert.deepEqual([...pixels.subarray(0, 6)], [1, 2, 3, 4, 5, 6], 'the source is left alone');
  assert.equal(right.labels, set.labels);
  assert.equal(ttaViews('shift4').length, 5);
  assert.equal(new Set(ttaViews('shift8').map((v) => v.join())).size, 9, 'nine different views');
  assert.deepEqual(ttaViews('none'), TTA_VIEWS.none);
  assert.throws(() => ttaViews('toString'), /--tta: expected one of none, shift4, shift8, got "toString"/);
  assert.throws(() => viewOf({ ...set, shape: [6, 1, 1, 1] }, [1, 0], 'vectors.idx'), /vectors\.idx.*test-time shifts need images, the examples have shape 6x1x1x1/);

  // a member's outputs with views = the mean of its outputs on each view, computed here by hand
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { Rng } = await import('../src/core/rng.js');
  const { referenceKernels } = await import('../src/kernels/reference.js');
  const { encodeModel } = await import('../src/network/model-file.js');
  const { buildNetwork } = await import('../src/train/trainer.js');
  const { resolveConfig } = await import('../src/train/resolve.js');
  const { Evaluator } = await import('../src/train/evaluate.js');
  const { loadSplits } = await import('../src/node/data.js');
  const { memberOutputs } = await import('../src/cli/commands/ensemble.js');
  const dir = mkdtempSync(join(tmpdir(), 'nnlab-tta-'));
  try {
    const config = resolveConfig({ network: { layers: 'dense 20 relu, softmax 10', init: 'he' }, cost: 'log-likelihood' });
    const net = buildNetwork(config, [1, 28, 28], 10, referenceKernels, new Rng(3));
    const file = join(dir, 'm.nnlab');
    writeFileSync(file, encodeModel(net));
    const views = ttaViews('shift4');
    const got = await memberOutputs([file], 'mnist', async () => referenceKernels, { name: 'test' }, undefined, views);
    const test = loadSplits({ source: 'mnist', trainSize: null, validationSize: 0, augment: '' }).test;
    const ev = new Evaluator(net, 10);
    const want = new Float64Array(test.count * 10);
    let plain: Float32Array | null = null;
    for (const v of views) {
      const out = new Float32Array(test.count * 10);
      ev.evaluate(viewOf(test, v, 'mnist'), false, (start, count, o) => out.set(o.subarray(0, count * 10), start * 10));
      plain ??= out;
      for (let i = 0; i < want.length; i++) want[i]! += out[i]! / views.length;
    }
    assert.deepStrictEqual(got.plain[0], plain, 'the plain outputs are the first view');
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got.outputs[0]![i]! - want[i]!));
    assert.ok(worst < 1e-6, `largest difference ${worst}`);
    assert.notDeepEqual(got.outputs[0], plain);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
