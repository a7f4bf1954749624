import type { LayerSpec } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import type { Shape } from '../core/shape.js';
import { shapeToString } from '../core/shape.js';
import { Activation } from './activation.js';
import { Conv2d } from './conv2d.js';
import { Dense } from './dense.js';
import { Dropout } from './dropout.js';
import { Flatten } from './flatten.js';
import { Pool2d } from './pool.js';
import type { Layer, LayerContext } from './layer.js';

export type { Layer, LayerContext, Param } from './layer.js';
export { Dense, Activation, Dropout, Conv2d, Pool2d, Flatten };

export interface BuildOptions {
  /** Dropout masks per mini-batch instead of per example. */
  dropoutPerBatch: boolean;
}

/**
 * Build the layers described by `specs`, each taking the previous one's output shape.
 * A `dense`/`conv2d` spec with an `activation` becomes two layers.
 */
export function buildLayers(specs: readonly LayerSpec[], inputShape: Shape, ctxFor: (index: number) => LayerContext, opts: BuildOptions): Layer[] {
  const layers: Layer[] = [];
  let shape = inputShape;
  const add = (l: Layer) => {
    layers.push(l);
    shape = l.outputShape;
  };
  specs.forEach((spec, i) => {
    const ctx = { ...ctxFor(layers.length), ...initHints(specs, i) };
    const field = `network.layers[${i}]`;
    switch (spec.type) {
      case 'dense':
        add(new Dense(shape, spec.units, ctx));
        break;
      case 'activation':
        add(new Activation(shape, spec.activation, ctx));
        break;
      case 'dropout':
        add(new Dropout(shape, spec.rate, opts.dropoutPerBatch, ctx));
        break;
      case 'conv2d':
        add(withField(field, () => new Conv2d(shape, spec.filters, spec.kernel, spec.stride ?? 1, spec.padding ?? 'valid', ctx)));
        break;
      case 'maxpool':
      case 'avgpool':
        add(withField(field, () => new Pool2d(shape, spec.type === 'maxpool' ? 'max' : 'avg', spec.size, spec.stride ?? spec.size, ctx)));
        break;
      case 'flatten':
        add(new Flatten(shape));
        break;
    }
    if ('activation' in spec && spec.type !== 'activation' && spec.activation) add(new Activation(shape, spec.activation, ctxFor(layers.length)));
    if (shape.some((d) => !Number.isInteger(d) || d < 1))
      throw new ConfigError(field, 'a layer whose output has a positive size', shapeToString(shape));
  });
  return layers;
}

/**
 * The `LayerContext` hints of spec i: for `network3` initialization, the pooling area after a
 * convolution (looking past a separate activation layer, as in `conv, relu, maxpool 2`) and
 * whether a dense layer is softmax; for speed, whether a dense layer's error will be sparse.
 */
export function initHints(specs: readonly LayerSpec[], i: number): { poolArea?: number; softmaxOutput?: boolean; sparseError?: boolean } {
  const spec = specs[i]!;
  if (spec.type === 'dense') {
    const next = specs[i + 1];
    if (spec.activation === 'softmax' || (next?.type === 'activation' && next.activation === 'softmax')) return { softmaxOutput: true };
    // ReLU or dropout after the layer (an activation layer may stand between): δ has zeros to skip
    let j = i + 1;
    let relu = spec.activation === 'relu';
    for (; specs[j]?.type === 'activation'; j++) relu ||= (specs[j] as { activation: string }).activation === 'relu';
    return relu || specs[j]?.type === 'dropout' ? { sparseError: true } : {};
  }
  if (spec.type !== 'conv2d') return {};
  let j = i + 1;
  while (specs[j]?.type === 'activation') j++;
  const next = specs[j];
  return next?.type === 'maxpool' || next?.type === 'avgpool' ? { poolArea: next.size * next.size } : {};
}

/** Re-label a layer constructor's `network.layers` error with the spec's own index. */
function withField<T>(field: string, make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (e instanceof ConfigError && e.field === 'network.layers') throw new ConfigError(field, e.expected, e.got);
    throw e;
  }
}
