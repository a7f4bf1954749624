/**
 * The lab's training worker (a module Web Worker): fetches MNIST from the server once, then
 * trains with nnlab's own `train()` and posts the listener's events to the page. Training runs
 * here so that the page stays responsive; the page stops a run by terminating the worker.
 */
import { encodeModel, exampleSet, parseIdx, referenceKernels, split, train, type ExampleSet, type Kernels, type RunConfig } from '../src/index.js';
import { createKernels } from '../src/kernels/index.js';
import type { FromWorker, ToWorker } from './protocol.js';

/** The worker's global scope, typed locally (the project compiles with the DOM library). */
const scope = self as unknown as {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
};

function post(m: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(m, transfer);
}

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** Fetch one file from the server's /data/, reporting progress. */
async function fetchBytes(name: string, progress: (bytes: number) => void): Promise<Uint8Array> {
  const url = new URL(`/data/${name}`, self.location.href);
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`${url.pathname}: the server answered ${res.status} ${res.statusText}`);
  const total = Number(res.headers.get('Content-Length') ?? 0);
  const out = total > 0 ? new Uint8Array(total) : null;
  const chunks: Uint8Array[] = [];
  let got = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (out && got + value.length <= total) out.set(value, got);
    else chunks.push(value);
    got += value.length;
    progress(value.length);
  }
  if (out && got === total) return out;
  const all = new Uint8Array(got);
  let at = 0;
  for (const c of out ? [out.subarray(0, Math.min(got, total)), ...chunks] : chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}

let mnist: Promise<{ train: ExampleSet; test: ExampleSet }> | null = null;

/** The MNIST training and test files, fetched and parsed once per worker. */
function loadMnist(): Promise<{ train: ExampleSet; test: ExampleSet }> {
  mnist ??= (async () => {
    let loaded = 0;
    let last = 0;
    const progress = (n: number) => {
      loaded += n;
      const now = performance.now();
      if (now - last > 100) {
        last = now;
        post({ type: 'status', text: `downloading MNIST: ${(loaded / 1e6).toFixed(1)} MB of 55 MB` });
      }
    };
    const names = [FILES.trainImages, FILES.trainLabels, FILES.testImages, FILES.testLabels];
    const [ti, tl, si, sl] = await Promise.all(names.map((n) => fetchBytes(n, progress)));
    post({ type: 'status', text: 'parsing the IDX files' });
    return {
      train: exampleSet(parseIdx(ti!, FILES.trainImages), parseIdx(tl!, FILES.trainLabels), FILES.trainImages, FILES.trainLabels),
      test: exampleSet(parseIdx(si!, FILES.testImages), parseIdx(sl!, FILES.testLabels), FILES.testImages, FILES.testLabels),
    };
  })();
  mnist.catch(() => (mnist = null));
  return mnist;
}

/**
 * The kernel backend a config asks for: `auto` takes WebAssembly SIMD where the browser has it
 * and falls back to the reference kernels (saying why) if the WebAssembly backend fails to start.
 */
async function kernelsFor(name: string): Promise<{ kernels: Kernels; note: string }> {
  if (name === 'reference') return { kernels: referenceKernels, note: 'asked for' };
  try {
    const kernels = await createKernels(name);
    const why = name !== 'auto' ? 'asked for' : kernels.name === 'reference' ? 'this browser lacks WebAssembly SIMD' : 'picked by auto';
    return { kernels, note: kernels.fma ? `${why}; fused multiply-add` : why };
  } catch (e) {
    if (name !== 'auto') throw e;
    return { kernels: referenceKernels, note: `the WebAssembly backend failed: ${(e as Error).message}` };
  }
}

async function run(config: RunConfig): Promise<void> {
  const { kernels, note } = await kernelsFor(config.backend);
  post({ type: 'backend', name: kernels.name, note });
  const files = await loadMnist();
  const data = split(files.train, files.test, { trainSize: config.data.trainSize, validationSize: config.data.validationSize, source: '/data/' });
  let lastPost = 0;
  const { network, result } = await train({
    config,
    data,
    kernels,
    listener: {
      onStart: (info) =>
        post({ type: 'start', batchesPerEpoch: info.batchesPerEpoch, parameters: info.parameters, trainCount: info.trainCount, validationCount: data.validation.count, testCount: data.test.count }),
      onBatch: (epoch, batch, batches, meanCost) => {
        const now = performance.now();
        if (now - lastPost < 50 && batch !== batches) return;
        lastPost = now;
        post({ type: 'batch', epoch, batch, batches, meanCost });
      },
      onEpoch: (record) => post({ type: 'epoch', record }),
    },
  });
  const bytes = encodeModel(network, { config, result: { ...result, config: undefined }, trainedWith: `nnlab browser lab, ${kernels.name} kernels` });
  const model = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  post({ type: 'end', result, model }, [model]);
}

let busy = false;
scope.onmessage = (e) => {
  const m = e.data;
  if (m.type !== 'train') return;
  if (busy) return post({ type: 'error', message: 'a run is already in progress' });
  busy = true;
  run(m.config)
    .catch((err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }))
    .finally(() => (busy = false));
};
