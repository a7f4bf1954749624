/**
 * Errors a user can act on. The CLI prints `message` on one line and exits non-zero, with no
 * stack trace; anything that is not an `NnlabError` is a bug and keeps its stack.
 */
export class NnlabError extends Error {
  override name = 'NnlabError';
}

/** A configuration value is wrong: names the field, what was expected and what was given. */
export class ConfigError extends NnlabError {
  override name = 'ConfigError';
  constructor(readonly field: string, readonly expected: string, readonly got: unknown) {
    super(`config field '${field}': expected ${expected}, got ${describe(got)}`);
  }
}

/** A data file is wrong: names the file and the problem. */
export class DataError extends NnlabError {
  override name = 'DataError';
  constructor(readonly file: string, readonly problem: string) {
    super(`${file}: ${problem}`);
  }
}

/** Training diverged (NaN or infinite cost). */
export class DivergenceError extends NnlabError {
  override name = 'DivergenceError';
}

export function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'nothing';
  try {
    const s = JSON.stringify(v);
    return s.length > 80 ? s.slice(0, 77) + '...' : s;
  } catch {
    return String(v);
  }
}
