import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slug } from '../src/cli/lab.js';

test('run-folder names from labels keep the parameter: Greek letters spelt out, spaces around = dropped', () => {
  // figure l2-cure's labels once became the folders "=_0" and "=_0.1"
  assert.equal(slug('λ = 0'), 'lambda=0');
  assert.equal(slug('λ = 0.1'), 'lambda=0.1');
  assert.equal(slug('η = 0.025, μ = 0.9'), 'eta=0.025_mu=0.9');
  assert.equal(slug('layers=784,30,10'), 'layers=784_30_10');
  assert.equal(slug('optimizer=adam_lambda=50'), 'optimizer=adam_lambda=50');
  assert.equal(slug('  '), 'run');
  assert.equal(slug('x'.repeat(100)).length, 80);
});
