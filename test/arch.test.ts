import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../src/core/errors.js';
import { Rng } from '../src/core/rng.js';
import { logLikelihood } from '../src/costs/index.js';
import { referenceKernels } from '../src/kernels/reference.js';
import { formatArchitecture, parseArchitecture } from '../src/network/arch.js';
import { Network } from '../src/network/network.js';

const CH6 = 'conv 20x5x5 relu, maxpool 2, conv 40x5x5 relu, maxpool 2, dense 100 relu, softmax 10';

test('the chapter-6 architecture string parses into conv, pool and dense specs', () => {
  assert.deepEqual(parseArchitecture(CH6), [
    { type: 'conv2d', filters: 20, kernel: 5, stride: 1, padding: 'valid', activation: 'relu' },
    { type: 'maxpool', size: 2, stride: 2 },
    { type: 'conv2d', filters: 40, kernel: 5, stride: 1, padding: 'valid', activation: 'relu' },
    { type: 'maxpool', size: 2, stride: 2 },
    { type: 'dense', units: 100, activation: 'relu' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ]);
  assert.equal(formatArchitecture(parseArchitecture(CH6)), 'conv 20x5x5 relu, maxpool 2, conv 40x5x5 relu, maxpool 2, dense 100 relu, dense 10 softmax');
});

test('conv options, pooling strides, flatten and dropout parse, and format back', () => {
  const s = 'conv 8x3 same stride=2 tanh, avgpool 3 stride=2, flatten, dropout 0.25, fc 30, sigmoid, softmax 10';
  const specs = parseArchitecture(s);
  assert.deepEqual(specs, [
    { type: 'conv2d', filters: 8, kernel: 3, stride: 2, padding: 'same', activation: 'tanh' },
    { type: 'avgpool', size: 3, stride: 2 },
    { type: 'flatten' },
    { type: 'dropout', rate: 0.25 },
    { type: 'dense', units: 30 },
    { type: 'activation', activation: 'sigmoid' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ]);
  assert.deepEqual(parseArchitecture(formatArchitecture(specs)), specs);
});

test('bad architecture strings give a ConfigError naming the bad token', () => {
  const bad: [string, RegExp][] = [
    ['conv 20x5x5 relu, maxpool 2, dens 100, softmax 10', /unknown layer at 'dens'/],
    ['conv 20x5 relu, maxpoll 2', /unknown layer at 'maxpoll'/],
    ['conv 20by5, softmax 10', /conv needs FILTERSxKxK.* at '20by5'/],
    ['conv 20x5x3, softmax 10', /only square kernels.* at '20x5x3'/],
    ['conv 0x5x5, softmax 10', /filters must be a positive integer at '0'/],
    ['conv 20x5x5 relu stride=0, softmax 10', /stride must be a positive integer at '0'/],
    ['conv 20x5x5 rleu, softmax 10', /unexpected token .* at 'rleu'/],
    ['conv 20x5x5 relu, maxpool two', /pool size must be a positive integer at 'two'/],
    ['conv 20x5x5 relu, maxpool 2 same', /unexpected token .* at 'same'/],
    ['maxpool', /missing pool size/],
    ['dense 100 relu, dropout 1.5, softmax 10', /dropout needs a rate in \[0, 1\) at '1.5'/],
    ['dense 100 relu,, softmax 10', /empty item between commas/],
    ['', /empty architecture/],
  ];
  for (const [s, re] of bad) {
    assert.throws(() => parseArchitecture(s), (e: unknown) => {
      assert.ok(e instanceof ConfigError, `${s}: not a ConfigError`);
      assert.match(e.message, re, s);
      assert.match(e.message, /network\.layers/);
      return true;
    });
  }
});

function build(arch: string, inputShape: number[]): Network {
  return new Network({ inputShape, layers: parseArchitecture(arch), cost: logLikelihood, init: 'default', kernels: referenceKernels, rng: new Rng(1) });
}

test('built networks have the shapes and parameter counts of chapter 6', () => {
  const net = build(CH6, [1, 28, 28]);
  assert.deepEqual(net.layers.map((l) => `${l.kind} ${l.outputShape.join('x')}`), [
    'conv2d 20x24x24', 'activation 20x24x24', 'maxpool 20x12x12',
    'conv2d 40x8x8', 'activation 40x8x8', 'maxpool 40x4x4',
    'dense 100', 'activation 100', 'dense 10', 'activation 10',
  ]);
  // 20·25 + 20, 40·20·25 + 40, 640·100 + 100, 100·10 + 10 (the book: "20 × 26 = 520" for the first layer)
  assert.equal(net.parameterCount(), 520 + 20040 + 64100 + 1010);
  const odd = build('conv 6x3x3 relu same, maxpool 2, conv 5x4x4 stride=2, avgpool 2 stride=1, flatten, softmax 10', [3, 15, 13]);
  assert.deepEqual(odd.layers.map((l) => l.outputShape.join('x')), ['6x15x13', '6x15x13', '6x7x6', '5x2x2', '5x1x1', '5', '10', '10']);
});

test('an architecture that does not fit its input names the layer', () => {
  assert.throws(() => build('conv 20x5x5, maxpool 2, conv 40x5x5, maxpool 2, conv 10x5x5, softmax 10', [1, 28, 28]), /network\.layers\[4\].*5x5 convolution that fits its 4x4 input/);
  assert.throws(() => build('maxpool 3, softmax 10', [1, 2, 2]), /network\.layers\[0\].*pooling window that fits its 2x2 input/);
  assert.throws(() => build('conv 4x3x3, softmax 10', [784]), /network\.layers\[0\].*channels x height x width/);
});
