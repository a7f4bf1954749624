/**
 * Config validation and resolution: errors name the field, what was expected and what was given;
 * presets resolve; defaults ← preset ← file ← flags.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, mergeConfig, validateConfig, type RunConfig } from '../src/core/config.js';
import { ConfigError, NnlabError } from '../src/core/errors.js';
import { parseArchitecture } from '../src/network/arch.js';
import { resolveConfig } from '../src/train/resolve.js';
import { findPreset, PRESETS } from '../src/train/presets.js';
import { configFromFlags } from '../src/cli/config-source.js';

const root = mkdtempSync(join(tmpdir(), 'nnlab-config-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Validate the default config with one change made by `edit`. */
function withChange(edit: (c: Record<string, any>) => void): () => RunConfig {
  return () => {
    const c = structuredClone(defaultConfig()) as unknown as Record<string, any>;
    edit(c);
    return validateConfig(c, parseArchitecture);
  };
}

function configError(f: () => unknown, field: string, expected: RegExp, got: unknown): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    assert.equal(e.field, field);
    assert.match(e.expected, expected);
    assert.deepEqual(e.got, got);
    assert.ok(e.message.startsWith(`config field '${field}': expected `), e.message);
    return true;
  });
}

test('the default config is valid and is what validation returns', () => {
  const d = defaultConfig();
  assert.deepEqual(validateConfig(structuredClone(d), parseArchitecture), d);
});

test('validation errors name the field, what was expected and what was given', () => {
  configError(withChange((c) => (c.learningRate = -0.5)), 'learningRate', /a number > 0/, -0.5);
  configError(withChange((c) => (c.learningRate = '0.5')), 'learningRate', /a number/, '0.5');
  configError(withChange((c) => (c.epochs = 2.5)), 'epochs', /an integer >= 1/, 2.5);
  configError(withChange((c) => (c.batchSize = 0)), 'batchSize', /an integer >= 1/, 0);
  configError(withChange((c) => (c.cost = 'hinge')), 'cost', /one of quadratic, cross-entropy, log-likelihood/, 'hinge');
  configError(withChange((c) => (c.network.init = 'xavier')), 'network.init', /one of default, large, he, glorot/, 'xavier');
  configError(withChange((c) => (c.network.layers[1].activation = 'sigmoidd')), 'network.layers[1].activation', /one of sigmoid, tanh/, 'sigmoidd');
  configError(withChange((c) => (c.network.layers[0].units = 0)), 'network.layers[0].units', /an integer >= 1/, 0);
  configError(withChange((c) => (c.network.layers = [])), 'network.layers', /a non-empty list of layers/, []);
  configError(withChange((c) => (c.network.layers = [{ type: 'dropout', rate: 1 }])), 'network.layers[0].rate', /<= 0\.99/, 1);
  configError(withChange((c) => (c.optimizer.type = 'lbfgs')), 'optimizer.type', /one of sgd, momentum/, 'lbfgs');
  configError(withChange((c) => (c.optimizer.momentum = 1.5)), 'optimizer.momentum', /<= 1/, 1.5);
  configError(withChange((c) => (c.regularization.l2 = -1)), 'regularization.l2', />= 0/, -1);
  configError(withChange((c) => (c.regularization.dropoutMask = 'layer')), 'regularization.dropoutMask', /one of example, batch/, 'layer');
  configError(withChange((c) => (c.data.trainSize = 0)), 'data.trainSize', /an integer >= 1/, 0);
  configError(withChange((c) => (c.data.source = '')), 'data.source', /"mnist" or a folder path/, '');
  configError(withChange((c) => (c.monitor.trainCost = 'yes')), 'monitor.trainCost', /true or false/, 'yes');
  configError(withChange((c) => (c.seed = -1)), 'seed', /an integer >= 0/, -1);
  configError(withChange((c) => (c.schedule = { type: 'step', every: 0, factor: 0.5 })), 'schedule.every', /an integer >= 1/, 0);
  // a bad plateau factor was reported as a missing patience (the JSON had no defaults the CLI has)
  configError(withChange((c) => (c.schedule = { type: 'plateau', factor: '0.5' })), 'schedule.factor', /a number/, '0.5');
  configError(withChange((c) => (c.schedule = { type: 'exponential' })), 'schedule.type', /one of constant, step, plateau, cosine/, 'exponential');
  configError(withChange((c) => (c.schedule = { type: 'cosine', final: 2 })), 'schedule.final', /<= 1/, 2);
  configError(withChange((c) => (c.epoch = 3)), 'epoch', /a known field/, 3);
  // a misspelt field inside a section or a layer was once ignored without a word
  configError(withChange((c) => (c.optimizer.name = 'adam')), 'optimizer.name', /a known field of optimizer \(type, momentum/, 'adam');
  configError(withChange((c) => (c.network.layers[0].activaton = 'relu')), 'network.layers[0].activaton', /a known field of network.layers\[0\] \(type, units, activation\)/, 'relu');
  configError(withChange((c) => (c.network.layers = [{ type: 'maxpool', size: 2, activation: 'relu' }])), 'network.layers[0].activation', /\(type, size, stride\)/, 'relu');
  configError(withChange((c) => (c.schedule = { type: 'cosine', every: 10 })), 'schedule.every', /a known field of schedule \(type, final, cycles, restart\)/, 10);
  // restarts of the cosine schedule: cycles adding up to the epochs, a restart factor only with them
  configError(withChange((c) => (c.schedule = { type: 'cosine', final: 0, cycles: [2, 1] })), 'schedule.cycles', /adding up to the run's \d+ epochs/, '2,1 (3 epochs)');
  configError(withChange((c) => (c.schedule = { type: 'cosine', final: 0, cycles: [] })), 'schedule.cycles', /a non-empty list of epoch counts/, []);
  configError(withChange((c) => (c.schedule = { type: 'cosine', final: 0, cycles: [1.5] })), 'schedule.cycles[0]', /an integer >= 1/, 1.5);
  configError(withChange((c) => (c.schedule = { type: 'cosine', final: 0, restart: 0.5 })), 'schedule.restart', /schedule.cycles beside it/, 0.5);
  configError(withChange((c) => ((c.epochs = 3), (c.schedule = { type: 'cosine', final: 0, cycles: [2, 1], restart: 2 }))), 'schedule.restart', /<= 1/, 2);
  configError(withChange((c) => (c.schedule = { type: 'step', every: 2, factor: 0.5, cycles: [2] })), 'schedule.cycles', /schedule.type "cosine"/, [2]);
  configError(withChange((c) => ((c.epochs = 3), (c.schedule = { type: 'cosine', final: 0.1, cycles: [2, 1], restart: 0.05 }))), 'schedule.restart', /at least schedule.final \(0.1\)/, 0.05);
  // early stopping would end the run inside a later cycle; averaging would blur the snapshots together
  configError(withChange((c) => ((c.epochs = 3), (c.schedule = { type: 'cosine', final: 0, cycles: [2, 1] }), (c.earlyStopping.patience = 2))), 'earlyStopping.patience', /0 with a cosine schedule that restarts/, 2);
  configError(withChange((c) => ((c.epochs = 3), (c.schedule = { type: 'cosine', final: 0, cycles: [2, 1] }), (c.averageFrom = 2))), 'averageFrom', /0 \(off\) with a cosine schedule that restarts/, 2);
  configError(withChange((c) => (c.regularization.lambda = 5)), 'regularization.lambda', /a known field of regularization \(l2, l1/, 5);
  configError(withChange((c) => (c.data.validation = 5000)), 'data.validation', /\(source, trainSize, validationSize, augment, order\)/, 5000);
  configError(withChange((c) => (c.network.arch = 'dense 10 softmax')), 'network.arch', /\(layers, init\)/, 'dense 10 softmax');
  configError(withChange((c) => (c.earlyStopping.epochs = 3)), 'earlyStopping.epochs', /\(patience\)/, 3);
  configError(withChange((c) => (c.monitor.testAcc = true)), 'monitor.testAcc', /a known field of monitor/, true);
  // "got nothing" for a missing value
  assert.throws(withChange((c) => delete c.batchSize), /config field 'batchSize': expected an integer >= 1, got nothing/);
});

test('rules that watch validation accuracy need it monitored', () => {
  configError(
    withChange((c) => {
      c.earlyStopping.patience = 5;
      c.monitor.validationAccuracy = false;
    }),
    'earlyStopping.patience', /validation accuracy to be monitored/, 5,
  );
  configError(
    withChange((c) => {
      c.schedule = { type: 'plateau', patience: 10, factor: 0.5, minFactor: 128 };
      c.data.validationSize = 0;
    }),
    'schedule.type', /validation accuracy to be monitored/, 'plateau',
  );
});

test('layers may be given as the compact architecture string; a bad one names the problem', () => {
  const c = resolveConfig({ network: { layers: 'dense 30 relu, dropout 0.5, softmax 10' } as never });
  assert.deepEqual(c.network.layers, [
    { type: 'dense', units: 30, activation: 'relu' },
    { type: 'dropout', rate: 0.5 },
    { type: 'dense', units: 10, activation: 'softmax' },
  ]);
  assert.throws(() => resolveConfig({ network: { layers: 'dense thirty' } as never }), /network\.layers.*the number of units must be a positive integer at 'thirty'/);
});

test("preset c8-distort is the command line it was first run as (README's chapter-6 table)", () => {
  const fromFlags = configFromFlags({ preset: 'c8', augment: 'shift:2,rotate:10,scale:0.1,elastic:34:6@0.5', epochs: 120, schedule: 'cosine', 'final-factor': 0.02 }).config;
  assert.deepEqual(resolveConfig({ preset: 'c8-distort' }), fromFlags);
});

test('preset deep-distort is c8-distort with the deeper network, He init and 110 epochs, as first run', () => {
  const arch = 'conv 32x3x3 relu, conv 32x3x3 relu, maxpool 2, conv 64x3x3 relu, conv 64x3x3 relu, maxpool 2, dropout 0.5, dense 512 relu, dropout 0.5, softmax 10';
  const fromFlags = configFromFlags({ preset: 'c8-distort', arch, init: 'he', epochs: 110 }).config;
  assert.deepEqual(resolveConfig({ preset: 'deep-distort' }), fromFlags);
});

test('preset c4-he is c4 with He init and the cosine schedule, as run (README\'s chapter-6 table)', () => {
  const fromFlags = configFromFlags({ preset: 'c4', init: 'he', schedule: 'cosine', 'final-factor': 0.02 }).config;
  assert.deepEqual(resolveConfig({ preset: 'c4-he' }), fromFlags);
});

test('every preset resolves to a valid config, names a REFERENCE row, and is found by name', () => {
  assert.ok(PRESETS.length >= 10);
  const names = new Set<string>();
  for (const p of PRESETS) {
    assert.ok(!names.has(p.name), `duplicate preset ${p.name}`);
    names.add(p.name);
    assert.match(p.row, /^[A-Z]\d*$/, `${p.name}: row ${p.row}`);
    assert.ok(p.book > 0 && p.book < 1, `${p.name}: the book's figure is a fraction`);
    const c = resolveConfig({ preset: p.name });
    assert.equal(c.network.layers[c.network.layers.length - 1]!.type, 'dense');
    assert.equal(findPreset(p.name.toUpperCase()), p, 'names are case-insensitive');
  }
  for (const row of ['A1', 'B1', 'B2', 'B3', 'B5', 'B6', 'B7', 'B8', 'B13', 'B15', 'B16'])
    assert.ok(PRESETS.some((p) => p.row === row), `a preset reproduces row ${row}`);
  const b6 = resolveConfig({ preset: 'b6' });
  assert.equal(b6.regularization.l2, 5);
  assert.equal(b6.learningRate, 0.5);
  assert.equal(b6.network.init, 'large');
  assert.deepEqual(b6.network.layers.map((l) => (l.type === 'dense' ? l.units : 0)), [30, 10]);
  assert.throws(() => resolveConfig({ preset: 'b99' }), (e: unknown) => e instanceof NnlabError && /unknown preset "b99"; known presets: a1, b1/.test(e.message));
});

test('precedence: defaults ← preset ← file ← flags', () => {
  const file = { learningRate: 0.1, epochs: 7, regularization: { l2: 1 }, batchSize: 20 };
  const flags = { learningRate: 0.25, seed: 9 };
  const c = resolveConfig({ preset: 'b6' }, file, flags);
  assert.equal(c.learningRate, 0.25, 'flags beat the file');
  assert.equal(c.seed, 9);
  assert.equal(c.epochs, 7, 'the file beats the preset');
  assert.equal(c.regularization.l2, 1);
  assert.equal(c.batchSize, 20, 'the file beats the defaults');
  assert.equal(c.network.init, 'large', 'the preset beats the defaults');
  assert.equal(c.cost, 'cross-entropy');
  assert.equal(c.regularization.l1, 0, 'nested objects merge: untouched fields keep their values');
  assert.equal(c.optimizer.beta2, 0.999);
});

test('a new optimizer type merges onto the defaults; a new schedule type replaces the schedule', () => {
  // Regression: {optimizer: {type: 'adam'}} used to replace the whole optimizer object, so
  // `nnlab train --optimizer adam` failed with "optimizer.momentum: got nothing".
  const c = resolveConfig({ optimizer: { type: 'adam' } });
  assert.deepEqual(c.optimizer, { type: 'adam', momentum: 0.9, beta1: 0.9, beta2: 0.999, rho: 0.9, epsilon: 1e-8 });
  const m = resolveConfig({ optimizer: { type: 'momentum', momentum: 0.5 } });
  assert.equal(m.optimizer.momentum, 0.5);
  const s = resolveConfig({ schedule: { type: 'step', every: 3, factor: 0.5 } }, { schedule: { type: 'constant' } });
  assert.deepEqual(s.schedule, { type: 'constant' });
  assert.deepEqual(mergeConfig({ a: { type: 'x', p: 1 } }, { a: { type: 'y', q: 2 } }), { a: { type: 'y', q: 2 } });
  assert.deepEqual(mergeConfig({ a: { p: 1, r: 3 } }, { a: { p: 2 } }), { a: { p: 2, r: 3 } });
});

test('the CLI: --preset, then --config FILE, then flags', () => {
  const f = join(root, 'run.json');
  writeFileSync(f, JSON.stringify({ learningRate: 0.1, epochs: 3, optimizer: { type: 'nesterov' } }));
  const { config } = configFromFlags({ preset: 'b2', config: f, 'learning-rate': 0.05, lambda: 2 });
  assert.equal(config.learningRate, 0.05, 'the flag beats the file');
  assert.equal(config.epochs, 3, 'the file beats the preset');
  assert.equal(config.optimizer.type, 'nesterov');
  assert.equal(config.regularization.l2, 2);
  assert.deepEqual(config.network.layers.map((l) => (l.type === 'dense' ? l.units : 0)), [100, 10], 'the preset\'s network');
  // --layers keeps the activations the base config has and reports the input size it expects
  const r = configFromFlags({ config: f, layers: ['784', '50', '20', '10'], activation: 'relu', output: 'softmax' });
  assert.equal(r.expectedInputSize, 784);
  assert.deepEqual(r.config.network.layers, [
    { type: 'dense', units: 50, activation: 'relu' },
    { type: 'dense', units: 20, activation: 'relu' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ]);
  // a bad file is named
  const bad = join(root, 'bad.json');
  writeFileSync(bad, '{"epochs": 3,');
  assert.throws(() => configFromFlags({ config: bad }), (e: unknown) => e instanceof NnlabError && e.message.startsWith(`${bad}: not valid JSON`));
  writeFileSync(bad, '[1, 2]');
  assert.throws(() => configFromFlags({ config: bad }), /a config file holds one JSON object/);
  writeFileSync(bad, '{"learningRate": "fast"}');
  assert.throws(() => configFromFlags({ config: bad }), /config field 'learningRate': expected a number > 0, got "fast"/);
  assert.throws(() => configFromFlags({ config: join(root, 'missing.json') }), /missing\.json: cannot read config file: no such file or folder \(ENOENT\)/);
});

test('a schedule left partly out in JSON gets the same defaults as the CLI flags give it', () => {
  const fromJson = (schedule: object) => validateConfig({ ...structuredClone(defaultConfig()), schedule }, parseArchitecture).schedule;
  assert.deepEqual(fromJson({ type: 'plateau' }), configFromFlags({ schedule: 'plateau' }).config.schedule);
  assert.deepEqual(fromJson({ type: 'plateau' }), { type: 'plateau', patience: 10, factor: 0.5, minFactor: 128 });
  assert.deepEqual(fromJson({ type: 'step' }), configFromFlags({ schedule: 'step' }).config.schedule);
  assert.deepEqual(fromJson({ type: 'step', every: 5 }), { type: 'step', every: 5, factor: 0.1 });
});
