import { defaultConfig, mergeConfig, validateConfig, type PartialRunConfig, type RunConfig } from '../core/config.js';
import { NnlabError } from '../core/errors.js';
import { parseArchitecture } from '../network/arch.js';
import { findPreset, PRESETS } from './presets.js';

/**
 * Resolve a run's full config: the defaults, then a preset (by name), then each partial config in
 * order (a JSON file, then command-line flags), validated once. Errors name the bad field.
 */
export function resolveConfig(...layers: (PartialRunConfig | { preset: string } | undefined)[]): RunConfig {
  let c: unknown = defaultConfig();
  for (const l of layers) {
    if (!l) continue;
    if ('preset' in l && typeof l.preset === 'string') {
      const p = findPreset(l.preset);
      if (!p) throw new NnlabError(`unknown preset "${l.preset}"; known presets: ${PRESETS.map((x) => x.name).join(', ')}`);
      c = mergeConfig(c, p.config);
      const { preset: _ignored, ...rest } = l as Record<string, unknown>;
      c = mergeConfig(c, rest);
    } else c = mergeConfig(c, l);
  }
  return validateConfig(c, parseArchitecture);
}
