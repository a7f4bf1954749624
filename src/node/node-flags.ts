/**
 * Flags every Node process of nnlab runs with.
 *
 * `--no-concurrent-recompilation`: V8 then optimizes JavaScript on the main thread instead of in a
 * background job. Node 20 can hang for ever when its event loop runs dry (at the end of every
 * program, and whenever the loop empties) while such a job waits for a garbage collection that only
 * the main thread can run: the main thread waits for the job (`NodePlatform::DrainTasks`), the job
 * for the main thread (`CollectionBarrier::AwaitCollectionBackground`). This is Node's bug
 * nodejs/node#54918, still open for Node 20. Measured here (Node 20.20.2, 2 cores): a `nnlab train`
 * refused after loading MNIST hung in 9 of 100 runs without the flag, 0 of 100 with it; setting the
 * flag at run time (`v8.setFlagsFromString`) still hung in 2 of 100, so it must be on the command
 * line. Our hot loops are WebAssembly, so optimizing JavaScript on the main thread costs little.
 */
export const NODE_FLAGS: readonly string[] = ['--no-concurrent-recompilation'];

/** `NODE_FLAGS` that this process was not started with. */
export function missingNodeFlags(execArgv: readonly string[] = process.execArgv): string[] {
  return NODE_FLAGS.filter((f) => !execArgv.includes(f));
}
