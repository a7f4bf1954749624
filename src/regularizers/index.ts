import type { RegularizationConfig } from '../core/config.js';
import { l1 } from './l1.js';
import { l2 } from './l2.js';
import { maxNorm } from './max-norm.js';
import type { Regularizer } from './regularizer.js';

export type { Regularizer } from './regularizer.js';
export { l1, l2, maxNorm };

/** The regularizers a config asks for (L2 and L1 may be used together). */
export function regularizersFor(r: RegularizationConfig): Regularizer[] {
  const out: Regularizer[] = [];
  if (r.l2 > 0) out.push(l2(r.l2));
  if (r.l1 > 0) out.push(l1(r.l1));
  if (r.maxNorm > 0) out.push(maxNorm(r.maxNorm));
  return out;
}
