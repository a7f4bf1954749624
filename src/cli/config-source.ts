import { readFileSync } from 'node:fs';
import { fsProblem } from '../node/atomic.js';
import type { PartialRunConfig, RunConfig } from '../core/config.js';
import { NnlabError } from '../core/errors.js';
import { resolveConfig } from '../train/resolve.js';
import type { FlagValues } from './flags.js';
import { flagsToConfig } from './train-flags.js';

/** Read a JSON config file, with errors that name the file. */
export function readConfigFile(path: string): PartialRunConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new NnlabError(`${path}: cannot read config file: ${fsProblem(e)}`);
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new NnlabError(`${path}: a config file holds one JSON object`);
    return v as PartialRunConfig;
  } catch (e) {
    if (e instanceof NnlabError) throw e;
    throw new NnlabError(`${path}: not valid JSON: ${(e as Error).message}`);
  }
}

/** defaults ← --preset ← --config FILE ← flags, validated. */
export function configFromFlags(v: FlagValues): { config: RunConfig; expectedInputSize?: number } {
  const preset = v.preset !== undefined ? { preset: String(v.preset) } : undefined;
  const file = v.config !== undefined ? readConfigFile(String(v.config)) : undefined;
  const base = resolveConfig(preset, file);
  const { expectedInputSize, ...fromFlags } = flagsToConfig(v, base.network.layers);
  return { config: resolveConfig(preset, file, fromFlags), ...(expectedInputSize !== undefined ? { expectedInputSize } : {}) };
}
