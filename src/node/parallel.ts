import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { NODE_FLAGS } from './node-flags.js';

/** The machine's cores: the default number of runs at once. */
export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Run `fn` on every item with at most `jobs` running at once; results in input order.
 * `fn` should not throw (return an error value instead); a throw rejects the whole pool.
 */
export async function runPool<T, R>(items: readonly T[], jobs: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, worker));
  return results;
}

export interface ChildRun<T> {
  /** The parsed JSON of the child's last stdout line, or null if it failed. */
  value: T | null;
  code: number | null;
  /** The signal that ended the child (e.g. 'SIGKILL' from the out-of-memory killer), else null. */
  signal: string | null;
  /** The child's last stderr lines (for error messages). */
  stderr: string;
  seconds: number;
}

/**
 * Run `node script ...args` as a child process and parse the last line of its stdout as JSON
 * (the nnlab CLI's `--json`). Never rejects: failures come back as `value: null`. `onLine` sees
 * each complete line the child writes to stderr (its progress), as it comes.
 */
export function runJsonChild<T>(script: string, args: readonly string[], onLine?: (line: string) => void): Promise<ChildRun<T>> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (onLine) {
        const lines = (partial + d).split('\n');
        partial = lines.pop()!;
        for (const l of lines) onLine(l);
      }
      err += d;
      if (err.length > 20000) err = err.slice(-10000);
    });
    let done = false;
    const finish = (code: number | null, signal: string | null, problem?: string) => {
      if (done) return; // 'error' may be followed by 'close'
      done = true;
      if (onLine && partial) onLine(partial);
      const lines = out.trim().split('\n');
      let value: T | null = null;
      try {
        value = JSON.parse(lines[lines.length - 1] ?? '') as T;
      } catch {
        value = null;
      }
      resolve({ value, code, signal, stderr: (problem ? problem + '\n' : '') + err.trim().split('\n').slice(-5).join('\n'), seconds: (performance.now() - t0) / 1000 });
    };
    child.on('error', (e) => finish(null, null, e.message));
    child.on('close', (code, signal) => finish(code, signal));
  });
}
