/**
 * Convolutional networks end to end: backpropagation through a whole CNN against finite
 * differences, L2 on convolution weights, save/load of a CNN, and a short run on real MNIST.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../src/core/rng.js';
import { logLikelihood } from '../src/costs/index.js';
import { subset } from '../src/data/dataset.js';
import { referenceKernels as K } from '../src/kernels/reference.js';
import { decodeModel, encodeModel } from '../src/network/model-file.js';
import { parseArchitecture } from '../src/network/arch.js';
import { Network } from '../src/network/network.js';
import { loadSplits } from '../src/node/data.js';
import { l1, l2 } from '../src/regularizers/index.js';
import { Evaluator } from '../src/train/evaluate.js';
import { resolveConfig } from '../src/train/resolve.js';
import { train } from '../src/train/trainer.js';

function oneHot(labels: number[], classes: number): Float32Array {
  const y = new Float32Array(labels.length * classes);
  labels.forEach((l, i) => (y[i * classes + l] = 1));
  return y;
}

test('backpropagation through conv, avg-pooling, tanh, dense and softmax matches finite differences, with L2 and L1 on every weight', () => {
  const rng = new Rng(21);
  const net = new Network({
    inputShape: [2, 7, 6],
    layers: parseArchitecture('conv 3x3x3 tanh same, avgpool 2, conv 4x2x2 stride=2 sigmoid, flatten, dense 5 tanh, softmax 4'),
    cost: logLikelihood, init: 'default', kernels: K, rng,
  });
  const batch = 3;
  const x = Float32Array.from({ length: batch * 84 }, () => rng.uniform() * 2 - 1);
  const y = oneHot([0, 3, 2], 4);
  const n = 50; // training-set size in λ/n
  const regs = [l2(2.0), l1(0.5)];
  const params = net.params();
  assert.deepEqual(params.map((p) => `${p.name}:${p.decay}`), [
    '0.conv2d.weights:true', '0.conv2d.biases:false', '3.conv2d.weights:true', '3.conv2d.biases:false',
    '6.dense.weights:true', '6.dense.biases:false', '8.dense.weights:true', '8.dense.biases:false',
  ]);
  const cost = () => {
    const out = net.forward(x, batch, true);
    return net.cost.value(out, y, batch, 4) / batch + regs.reduce((s, r) => s + r.penalty(params, n), 0);
  };
  cost();
  net.backward(y, batch);
  for (const r of regs) r.addGradient(params, n, K);
  const analytic = params.map((p) => Float32Array.from(p.grad.subarray(0, p.size)));
  const h = 1e-2;
  let checked = 0;
  params.forEach((p, pi) => {
    for (let i = 0; i < p.size; i++) {
      const old = p.value[i]!;
      if (p.decay && Math.abs(old) < 2 * h) continue; // L1's |w| has a kink at 0
      p.value[i] = old + h;
      const cp = cost();
      p.value[i] = old - h;
      const cm = cost();
      p.value[i] = old;
      const num = (cp - cm) / (2 * h);
      const ana = analytic[pi]![i]!;
      assert.ok(Math.abs(num - ana) <= 5e-5 + 5e-3 * Math.max(Math.abs(num), Math.abs(ana)), `${p.name}[${i}]: numeric ${num}, backprop ${ana}`);
      checked++;
    }
  });
  assert.ok(checked > 150, `checked ${checked} parameters`);
});

test('a CNN with max-pooling, dropout and flatten saves and loads to the same outputs', () => {
  const specs = parseArchitecture('conv 4x5x5 relu, maxpool 2, conv 6x3x3 relu same, maxpool 2 stride=1, flatten, dropout 0.5, dense 12 relu, softmax 10');
  const net = new Network({ inputShape: [1, 28, 28], layers: specs, cost: logLikelihood, init: 'he', kernels: K, rng: new Rng(4) });
  const bytes = encodeModel(net, { note: 'cnn round trip' });
  const { network: back, header } = decodeModel(bytes, K, 'mem.nnlab');
  assert.deepEqual(header.layers, specs);
  assert.deepEqual(header.inputShape, [1, 28, 28]);
  assert.deepEqual(back.layers.map((l) => l.toSpec()), net.layers.map((l) => l.toSpec()));
  const rng = new Rng(9);
  const x = Float32Array.from({ length: 5 * 784 }, () => rng.uniform());
  const a = Float32Array.from(net.forward(x, 5, false).subarray(0, 50));
  const b = back.forward(x, 5, false);
  for (let i = 0; i < 50; i++) assert.equal(b[i], a[i], `output ${i}`);
});

test('a small CNN learns real MNIST well above chance in two short epochs (reference kernels)', async () => {
  const all = loadSplits({ source: 'mnist', trainSize: 2000, validationSize: 10000, augment: '' });
  const data = { ...all, validation: subset(all.validation, 0, 500), test: subset(all.test, 0, 1000) };
  const config = resolveConfig({
    network: { layers: 'conv 8x5x5 relu, maxpool 2, softmax 10', init: 'default' },
    cost: 'log-likelihood', learningRate: 0.1, epochs: 2, batchSize: 10, seed: 3,
    regularization: { l2: 0.1 },
    monitor: { trainCost: false, trainAccuracy: false, validationCost: false, validationAccuracy: true, testCost: false, testAccuracy: false },
  });
  const { network, result } = await train({ config, data, kernels: K });
  assert.equal(result.epochs.length, 2);
  // chance is 10 %; this net reaches about 90 % on 2,000 images
  assert.ok(result.testAccuracy > 0.8, `test accuracy ${result.testAccuracy}`);
  assert.ok(result.bestValidationAccuracy! > 0.8, `validation accuracy ${result.bestValidationAccuracy}`);
  assert.equal(new Evaluator(network, 10).evaluate(data.test).accuracy, result.testAccuracy);
});

test('ReLU before or after max-pooling is the same network: equal weights after training, bit for bit (why the presets pool first)', async () => {
  const all = loadSplits({ source: 'mnist', trainSize: 1000, validationSize: 10000, augment: '' });
  const data = { ...all, validation: subset(all.validation, 0, 200), test: subset(all.test, 0, 100) };
  const run = async (layers: string) => {
    const config = resolveConfig({
      network: { layers, init: 'he' }, cost: 'log-likelihood', learningRate: 0.05, epochs: 2, batchSize: 10, seed: 9,
      regularization: { l2: 0.1 },
      monitor: { trainCost: false, trainAccuracy: false, validationCost: false, validationAccuracy: true, testCost: false, testAccuracy: false },
    });
    const { network, result } = await train({ config, data, kernels: K });
    return { weights: network.params().map((p) => Float32Array.from(p.value.subarray(0, p.size))), accuracy: result.bestValidationAccuracy };
  };
  const before = await run('conv 4x5x5 relu, maxpool 2, conv 6x3x3 relu, maxpool 2, dense 12 relu, softmax 10');
  const after = await run('conv 4x5x5, maxpool 2, relu, conv 6x3x3, maxpool 2, relu, dense 12 relu, softmax 10');
  assert.deepStrictEqual(after.weights, before.weights);
  assert.equal(after.accuracy, before.accuracy);
  assert.ok(before.accuracy! > 0.3, `the network learned something (validation accuracy ${before.accuracy})`);
});
