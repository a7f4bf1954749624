import type { CostName } from '../core/config.js';
import type { Cost } from './cost.js';
import { quadratic } from './quadratic.js';
import { crossEntropy } from './cross-entropy.js';
import { logLikelihood } from './log-likelihood.js';

export type { Cost } from './cost.js';
export { quadratic, crossEntropy, logLikelihood };

export function costByName(name: CostName): Cost {
  switch (name) {
    case 'quadratic': return quadratic;
    case 'cross-entropy': return crossEntropy;
    case 'log-likelihood': return logLikelihood;
  }
}
