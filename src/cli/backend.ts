import { NnlabError } from '../core/errors.js';
import type { Kernels } from '../kernels/kernels.js';
import { createNodeKernels, nodeKernelsNames, type KernelsHint } from '../node/threaded-kernels.js';

/** The kernel backend a run asks for ('auto': the fastest available in Node for the training `hint` describes). */
export async function kernelsFor(name: string, hint: KernelsHint = {}, opts: { fma?: boolean } = {}): Promise<Kernels> {
  if (!(nodeKernelsNames as readonly string[]).includes(name)) throw new NnlabError(`unknown backend "${name}"; available: ${nodeKernelsNames.join(', ')}`);
  return createNodeKernels(name, hint, opts);
}
