import { closeSync, existsSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { RunConfig } from '../core/config.js';
import type { Splits } from '../data/dataset.js';
import { encodeModel } from '../network/model-file.js';
import type { Network } from '../network/network.js';
import { analyzeTestSet, weightHistograms } from '../report/analysis.js';
import type { RunRecord } from '../report/run-record.js';
import { runReportHtml } from '../report/run-report.js';
import type { EpochRecord, RunResult, TrainListener } from '../train/trainer.js';
import { writeFileAtomic } from './atomic.js';
import { reportAssets } from './report-assets.js';

/** The files of a run folder. */
export const RUN_FILES = {
  config: 'config.json',
  metricsJsonl: 'metrics.jsonl',
  metricsCsv: 'metrics.csv',
  model: 'model.nnlab',
  last: 'last.nnlab',
  result: 'result.json',
  report: 'report.html',
} as const;

/** Every field of an epoch record, so that the CSV says what metrics.jsonl says (a field that is null or absent is an empty cell). */
const CSV_FIELDS: (keyof EpochRecord)[] = ['epoch', 'seconds', 'learningRate', 'trainCost', 'trainAccuracy', 'validationCost', 'validationAccuracy', 'testCost', 'testAccuracy', 'averaged'];

/** `2026-11-28T03-40-12` (local-independent: UTC), safe in file names. */
export function timestamp(d = new Date()): string {
  return d.toISOString().slice(0, 19).replace(/:/g, '-');
}

/** Make a fresh folder `base`, or `base-2`, `base-3`, ... if taken (safe when processes race). */
function freshDir(base: string): string {
  for (let k = 1; ; k++) {
    const dir = k === 1 ? base : `${base}-${k}`;
    try {
      mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/**
 * A run's folder: config.json (the resolved config), metrics.jsonl and metrics.csv (one line per
 * epoch, appended as each epoch ends so a crash keeps them), then at the end model.nnlab (the
 * kept weights), result.json and report.html; and last.nnlab, the last epoch's weights, when
 * those are not the ones kept (the chapter-6 rule keeps the best epoch on validation). A cosine
 * schedule with restarts adds snapshot-K.nnlab, the network at the end of each cycle K.
 */
export class RunFolder {
  /**
   * metrics.jsonl and metrics.csv, opened once at the start: every epoch is written to the files
   * this run created, even if its folder is deleted and a new run takes the same path meanwhile.
   */
  private jsonl: number | null = null;
  private csv: number | null = null;
  private config: RunConfig | null = null;

  private constructor(readonly dir: string) {}

  /**
   * `out`: the folder to write (created if missing; must not already hold a run). Otherwise a new
   * folder `<root>/<timestamp>[-<label>]` (root default `runs`).
   */
  static create(opts: { out?: string; root?: string; label?: string } = {}): RunFolder {
    let dir: string;
    if (opts.out !== undefined) {
      dir = opts.out;
      if (existsSync(dir) && !statSync(dir).isDirectory()) throw new Error(`${dir} is a file, not a folder; choose another --out`);
      mkdirSync(dir, { recursive: true });
      for (const f of [RUN_FILES.metricsJsonl, RUN_FILES.metricsCsv])
        if (existsSync(join(dir, f))) throw new Error(`${dir} already holds a run (${f}); choose another --out`);
    } else {
      const root = opts.root ?? 'runs';
      mkdirSync(root, { recursive: true });
      const label = opts.label ? '-' + opts.label.replace(/[^A-Za-z0-9._-]+/g, '_') : '';
      dir = freshDir(join(root, timestamp() + label));
    }
    return new RunFolder(dir);
  }

  path(file: keyof typeof RUN_FILES): string {
    return join(this.dir, RUN_FILES[file]);
  }

  /** Write config.json, open the metrics files and write the CSV header. */
  start(config: RunConfig): void {
    this.config = config;
    writeFileAtomic(this.path('config'), JSON.stringify(config, null, 2) + '\n');
    this.openMetrics();
    writeSync(this.csv!, CSV_FIELDS.join(',') + '\n');
  }

  private openMetrics(): void {
    this.jsonl ??= openSync(this.path('metricsJsonl'), 'a');
    this.csv ??= openSync(this.path('metricsCsv'), 'a');
  }

  /** Append one epoch to metrics.jsonl and metrics.csv (on disk when this returns: a crash keeps it). */
  appendEpoch(r: EpochRecord): void {
    this.openMetrics();
    writeSync(this.jsonl!, JSON.stringify(r) + '\n');
    writeSync(this.csv!, CSV_FIELDS.map((f) => String(r[f] ?? '')).join(',') + '\n');
  }

  /** Close the metrics files (done by `finish`; later epochs would open them again). */
  close(): void {
    for (const fd of [this.jsonl, this.csv]) if (fd !== null) closeSync(fd);
    this.jsonl = this.csv = null;
  }

  /** A listener that writes the config at the start and each epoch as it ends. */
  listener(): TrainListener {
    return {
      onStart: ({ config }) => this.start(config),
      onEpoch: (r) => this.appendEpoch(r),
      onLastWeights: (network, epoch) => this.saveLast(network, epoch),
      onSnapshot: (network, cycle, epoch) => this.saveSnapshot(network, cycle, epoch),
    };
  }

  /** snapshot-K.nnlab: the network at the end of the schedule's cycle K (epoch `epoch`), for a snapshot ensemble. */
  snapshotPath(cycle: number): string {
    return join(this.dir, `snapshot-${cycle}.nnlab`);
  }

  saveSnapshot(network: Network, cycle: number, epoch: number): void {
    writeFileAtomic(this.snapshotPath(cycle), encodeModel(network, { config: this.config, snapshot: { cycle, epoch } }));
  }

  /** last.nnlab: the weights of the last epoch, `epoch`, saved before the kept ones are restored. */
  saveLast(network: Network, epoch: number): void {
    writeFileAtomic(this.path('last'), encodeModel(network, { config: this.config, lastEpoch: epoch }));
  }

  /**
   * After training: save the kept network, result.json, and report.html. The report's confusion
   * matrix and misclassified digits come from one pass over the test set with the kept weights.
   */
  finish(network: Network, result: RunResult, data: Splits): RunRecord {
    this.close();
    const { config, epochs, ...rest } = result;
    writeFileAtomic(this.path('model'), encodeModel(network, { config, result: rest }));
    writeFileAtomic(this.path('result'), JSON.stringify(rest, null, 2) + '\n');
    const record: RunRecord = {
      name: basename(this.dir),
      createdAt: new Date().toISOString(),
      config,
      epochs,
      result: rest,
      test: data.test.count > 0 ? analyzeTestSet(network, data.test, data.classes) : null,
      weights: weightHistograms(network.params()),
    };
    writeFileAtomic(this.path('report'), runReportHtml(record, reportAssets()));
    return record;
  }
}
