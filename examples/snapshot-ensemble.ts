// A snapshot ensemble with nnlab as a library (run: npm run build && node --no-concurrent-recompilation dist/examples/snapshot-ensemble.js):
// one run of a cosine schedule with restarts, the network at the end of each cycle kept, their vote scored.
import { resolveConfig, train, createKernels, Evaluator, scoreEnsemble } from '../src/index.js';
import { loadSplits } from '../src/node/index.js';

const config = resolveConfig({
  data: { source: 'mnist', trainSize: 10000 },
  network: { layers: 'dense 100 relu, softmax 10', init: 'he' },
  cost: 'log-likelihood',
  epochs: 6,
  batchSize: 10,
  learningRate: 0.1,
  // three cycles of two epochs, η set once an epoch: 0.1 then 0.0505, and in each later cycle 0.05 then 0.0255
  // (a cycle's η falls along a cosine from its start toward 0.1 · 0.01; longer cycles get closer to it)
  schedule: { type: 'cosine', final: 0.01, cycles: [2, 2, 2], restart: 0.5 },
  regularization: { l2: 1.0 },
  seed: 7,
});

const data = loadSplits(config.data);
const kernels = await createKernels('auto');
// each snapshot's outputs on the test set, taken when its cycle ends (the network trains on afterwards)
const outputs: Float32Array[] = [];
await train({
  config,
  data,
  kernels,
  listener: {
    onSnapshot: (network, cycle, epoch) => {
      const out = new Float32Array(data.test.count * data.classes);
      const { accuracy } = new Evaluator(network, data.classes).evaluate(data.test, false, (start, count, o) => out.set(o.subarray(0, count * data.classes), start * data.classes));
      outputs.push(out);
      console.log(`snapshot ${cycle} (epoch ${epoch}): test accuracy ${(100 * accuracy).toFixed(2)} %`);
    },
  },
});
const vote = scoreEnsemble(outputs, data.test.labels, data.classes);
console.log(`vote of ${outputs.length} snapshots: test accuracy ${(100 * vote.vote.accuracy).toFixed(2)} %`);
