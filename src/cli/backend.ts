import { NnlabError } from '../core/errors.js';
import type { Kernels } from '../kernels/kernels.js';
import { referenceKernels } from '../kernels/reference.js';

/** The kernel backend a run asks for. */
export async function kernelsFor(name: string): Promise<Kernels> {
  if (name === 'auto' || name === 'reference') return referenceKernels;
  throw new NnlabError(`unknown backend "${name}"; available: auto, reference`);
}
