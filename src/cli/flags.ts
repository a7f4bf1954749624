import { NnlabError } from '../core/errors.js';

/** One command-line flag: its names, what it takes, and its help line. */
export interface FlagSpec {
  name: string;
  aliases?: string[];
  /** `boolean` flags take no value. */
  type: 'string' | 'number' | 'int' | 'boolean' | 'list';
  help: string;
  /** Placeholder shown in help. */
  arg?: string;
  /** May be given several times (values collected in a list). */
  repeat?: boolean;
}

export type FlagValues = Record<string, string | number | boolean | string[] | undefined>;

export class UsageError extends NnlabError {
  override name = 'UsageError';
}

/**
 * Parse `--name value`, `--name=value` and boolean `--name` flags against a table. Unknown flags
 * and bad values are errors that name the flag.
 */
export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[], command: string): { values: FlagValues; positional: string[] } {
  const byName = new Map<string, FlagSpec>();
  for (const s of specs) {
    byName.set(s.name, s);
    for (const a of s.aliases ?? []) byName.set(a, s);
  }
  const values: FlagValues = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const key = arg.slice(2, eq >= 0 ? eq : undefined);
    const spec = byName.get(key);
    if (!spec) throw new UsageError(`unknown flag --${key} for 'nnlab ${command}' (see 'nnlab ${command} --help')`);
    let raw: string | undefined;
    if (spec.type === 'boolean') {
      if (eq >= 0) {
        const v = arg.slice(eq + 1);
        if (v !== 'true' && v !== 'false') throw new UsageError(`--${key}: expected true or false, got "${v}"`);
        values[spec.name] = v === 'true';
      } else values[spec.name] = true;
      continue;
    }
    if (eq >= 0) raw = arg.slice(eq + 1);
    else {
      raw = argv[i + 1];
      if (raw === undefined || (raw.startsWith('--') && raw.length > 2)) throw new UsageError(`--${key} needs a value${spec.arg ? ` (${spec.arg})` : ''}`);
      i++;
    }
    let v: string | number | string[];
    if (spec.type === 'number' || spec.type === 'int') {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n) || (spec.type === 'int' && !Number.isInteger(n)))
        throw new UsageError(`--${key}: expected ${spec.type === 'int' ? 'an integer' : 'a number'}, got "${raw}"`);
      v = n;
    } else if (spec.type === 'list') v = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
    else v = raw;
    if (spec.repeat) {
      const prev = values[spec.name];
      values[spec.name] = [...(Array.isArray(prev) ? prev : []), ...(Array.isArray(v) ? v : [String(v)])];
    } else values[spec.name] = v;
  }
  return { values, positional };
}

/** The help text for a command's flags. */
export function formatHelp(usage: string, description: string, specs: readonly FlagSpec[]): string {
  const rows = specs.map((s) => {
    const names = [s.name, ...(s.aliases ?? [])].map((n) => `--${n}`).join(', ') + (s.type === 'boolean' ? '' : ` ${s.arg ?? s.type.toUpperCase()}`);
    return [names, s.help] as const;
  });
  const w = Math.min(36, Math.max(...rows.map((r) => r[0].length)) + 2);
  return `${usage}\n\n${description}\n\nOptions:\n${rows.map(([n, h]) => `  ${n.padEnd(w)}${n.length >= w ? '\n  ' + ' '.repeat(w) : ''}${h}`).join('\n')}\n`;
}
