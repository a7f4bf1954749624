import { NnlabError } from '../../core/errors.js';

/**
 * The augmentation spec string, as `--augment` and `data.augment` take it. Grammar:
 *
 *     spec  := ""  |  term ("," term)*
 *     term  := step  |  "p=" PROB
 *     step  := NAME (":" NUMBER)* ["@" PROB]
 *
 * Spaces around terms are ignored. The steps, with their arguments and defaults:
 *
 *  | step                   | meaning                                                           |
 *  |------------------------|-------------------------------------------------------------------|
 *  | `shift[:M]`            | translation, dx and dy uniform in [−M, M] pixels, sub-pixel (M=2)   |
 *  | `ishift[:M]`           | translation by whole pixels, dx, dy uniform integers in −M..M (M=2) |
 *  | `book-shift`           | one of the book's five images: the original or a 1-pixel shift up, down, left or right |
 *  | `rotate[:D]`           | rotation by an angle uniform in [−D, D] degrees (D=15)              |
 *  | `skew[:S]`             | horizontal shear, factor uniform in [−S, S] (S=0.3)                 |
 *  | `scale[:D]`            | scaling by a factor uniform in [1−D, 1+D] (D=0.1)                   |
 *  | `elastic[:A[:SIGMA]]`  | Simard et al.'s elastic distortion, α=A (34), σ=SIGMA (4) pixels    |
 *
 * `@P` after a step applies it to each distorted image with probability P (default 1). `p=P`
 * distorts each image with probability P, leaving the others unchanged (default 1).
 * Whatever the order of the steps, the affine ones (shift, rotate, skew, scale) compose in the
 * order written, and an elastic field is applied to the output grid first (each output pixel
 * p samples the source at A(p + α·d(p))), so each image is interpolated only once.
 *
 * Example: `"shift:2,rotate:15,skew:0.3,scale:0.1,elastic:34:4,p=0.8"`.
 */
export interface AugmentSpec {
  readonly steps: readonly StepSpec[];
  /** Probability that an image is distorted at all. */
  readonly probability: number;
}

export type StepName = 'shift' | 'ishift' | 'book-shift' | 'rotate' | 'skew' | 'scale' | 'elastic';

export interface StepSpec {
  readonly name: StepName;
  /** The arguments, defaults filled in. */
  readonly args: readonly number[];
  readonly probability: number;
}

/** A bad augmentation spec: the message names the spec, the bad token and what was expected. */
export class AugmentSpecError extends NnlabError {
  override name = 'AugmentSpecError';
  constructor(readonly spec: string, readonly token: string, readonly problem: string) {
    super(`augment spec ${JSON.stringify(spec)}: bad token ${JSON.stringify(token)}: ${problem}`);
  }
}

interface ArgRule {
  label: string;
  def: number;
  check: (v: number) => boolean;
  expect: string;
}

const STEPS: Record<StepName, readonly ArgRule[]> = {
  shift: [{ label: 'M', def: 2, check: (v) => v >= 0 && v <= 1000, expect: 'a maximum shift in pixels >= 0' }],
  ishift: [{ label: 'M', def: 2, check: (v) => Number.isInteger(v) && v >= 0 && v <= 1000, expect: 'a whole number of pixels >= 0' }],
  'book-shift': [],
  rotate: [{ label: 'D', def: 15, check: (v) => v >= 0 && v <= 180, expect: 'a maximum angle in degrees in [0, 180]' }],
  skew: [{ label: 'S', def: 0.3, check: (v) => v >= 0 && v <= 2, expect: 'a maximum shear factor in [0, 2]' }],
  scale: [{ label: 'D', def: 0.1, check: (v) => v >= 0 && v < 1, expect: 'a maximum relative change in [0, 1)' }],
  elastic: [
    { label: 'A', def: 34, check: (v) => v >= 0 && v <= 1000, expect: 'the intensity α >= 0' },
    { label: 'SIGMA', def: 4, check: (v) => v > 0 && v <= 100, expect: 'the smoothing σ in pixels, > 0 (and <= 100)' },
  ],
};

/** The step names, for help texts. */
export const STEP_NAMES = Object.keys(STEPS) as StepName[];

/** One line per step for help texts: `shift[:M]`, `elastic[:A[:SIGMA]]`, ... */
export function stepSyntax(name: StepName): string {
  return name + STEPS[name].map((r) => `[:${r.label}`).join('') + ']'.repeat(STEPS[name].length);
}

function parseNumber(s: string): number | null {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}

function parseProb(spec: string, token: string, s: string): number {
  const v = parseNumber(s);
  if (v === null || v < 0 || v > 1) throw new AugmentSpecError(spec, token, `expected a probability in [0, 1], got ${JSON.stringify(s)}`);
  return v;
}

/** Parse a spec string (see `AugmentSpec` for the grammar). Throws `AugmentSpecError`. */
export function parseAugmentSpec(spec: string): AugmentSpec {
  const steps: StepSpec[] = [];
  let probability = 1;
  let sawP = false;
  if (spec.trim() === '' || spec.trim() === 'none') return { steps, probability };
  for (const raw of spec.split(',')) {
    const token = raw.trim();
    if (token === '') throw new AugmentSpecError(spec, raw, 'empty term (two commas in a row, or a comma at an end)');
    if (/^p\s*=/.test(token)) {
      if (sawP) throw new AugmentSpecError(spec, token, 'p= given twice');
      sawP = true;
      probability = parseProb(spec, token, token.slice(token.indexOf('=') + 1).trim());
      continue;
    }
    const at = token.indexOf('@');
    const body = at >= 0 ? token.slice(0, at) : token;
    const stepP = at >= 0 ? parseProb(spec, token, token.slice(at + 1)) : 1;
    const [name, ...argStrs] = body.split(':');
    if (!(name! in STEPS))
      throw new AugmentSpecError(spec, token, `unknown step ${JSON.stringify(name)}; known steps: ${STEP_NAMES.map(stepSyntax).join(', ')}, and p=P`);
    const rules = STEPS[name as StepName];
    if (argStrs.length > rules.length)
      throw new AugmentSpecError(spec, token, `${name} takes at most ${rules.length} argument${rules.length === 1 ? '' : 's'} (${stepSyntax(name as StepName)}), got ${argStrs.length}`);
    const args = rules.map((rule, i) => {
      const s = argStrs[i];
      if (s === undefined) return rule.def;
      const v = parseNumber(s.trim());
      if (v === null || !rule.check(v)) throw new AugmentSpecError(spec, token, `${name}'s ${rule.label}: expected ${rule.expect}, got ${JSON.stringify(s)}`);
      return v;
    });
    steps.push({ name: name as StepName, args, probability: stepP });
  }
  return { steps, probability };
}

/** The canonical spec string of a parsed spec (defaults written out). */
export function formatAugmentSpec(s: AugmentSpec): string {
  const terms = s.steps.map((st) => [st.name, ...st.args.map(String)].join(':') + (st.probability < 1 ? `@${st.probability}` : ''));
  if (s.probability < 1) terms.push(`p=${s.probability}`);
  return terms.join(',');
}
