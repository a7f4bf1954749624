import type { OptimizerConfig } from '../core/config.js';
import type { Kernels } from '../kernels/kernels.js';
import { adagrad } from './adagrad.js';
import { adam } from './adam.js';
import { adamw } from './adamw.js';
import { momentum } from './momentum.js';
import { nesterov } from './nesterov.js';
import type { Optimizer } from './optimizer.js';
import { rmsprop } from './rmsprop.js';
import { sgd } from './sgd.js';

export type { Optimizer } from './optimizer.js';
export { sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw };

export function optimizerFor(c: OptimizerConfig, kernels: Kernels): Optimizer {
  switch (c.type) {
    case 'sgd': return sgd(kernels);
    case 'momentum': return momentum(kernels, c.momentum);
    case 'nesterov': return nesterov(kernels, c.momentum);
    case 'adagrad': return adagrad(kernels, c.epsilon);
    case 'rmsprop': return rmsprop(kernels, c.rho, c.epsilon);
    case 'adam': return adam(kernels, c.beta1, c.beta2, c.epsilon);
    case 'adamw': return adamw(kernels, c.beta1, c.beta2, c.epsilon);
  }
}
