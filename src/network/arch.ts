import { ACTIVATIONS, type ActivationName, type LayerSpec, type PaddingName } from '../core/config.js';
import { ConfigError } from '../core/errors.js';

/**
 * The compact architecture string, used on the command line and in JSON:
 *
 *   "conv 20x5x5 relu, maxpool 2, conv 40x5x5 relu, maxpool 2, dense 100 relu, dropout 0.5, softmax 10"
 *
 * Items, separated by commas:
 * - `dense N [act]` (alias `fc`) — fully connected, N units, optional activation;
 * - `<act> N` — shorthand for `dense N <act>` (e.g. `softmax 10`, `sigmoid 30`);
 * - `<act>` — an activation layer alone (sigmoid, tanh, relu, softmax, identity);
 * - `conv FxKxK [act] [stride=S] [same|valid]` — F filters of K×K (also `conv FxK`);
 * - `maxpool S [stride=T]`, `avgpool S [stride=T]` — S×S pooling (stride defaults to S);
 * - `flatten`;
 * - `dropout P` — drop each input unit with probability P.
 */
export function parseArchitecture(text: string): LayerSpec[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.length === 0 || (items.length === 1 && items[0] === '')) throw archError(text, '', 'an empty architecture');
  return items.flatMap((item) => parseItem(text, item));
}

function archError(text: string, token: string, problem: string): ConfigError {
  return new ConfigError('network.layers', `a valid architecture string (${problem}${token ? ` at '${token}'` : ''})`, text);
}

function isActivation(s: string): s is ActivationName {
  return (ACTIVATIONS as readonly string[]).includes(s);
}

function positiveInt(text: string, tok: string | undefined, what: string): number {
  if (tok === undefined) throw archError(text, '', `missing ${what}`);
  const v = Number(tok);
  if (!/^\d+$/.test(tok) || !Number.isInteger(v) || v < 1) throw archError(text, tok, `${what} must be a positive integer`);
  return v;
}

function parseItem(text: string, item: string): LayerSpec[] {
  if (item === '') throw archError(text, '', 'an empty item between commas');
  const toks = item.split(/\s+/);
  const head = toks[0]!.toLowerCase();
  const rest = toks.slice(1);
  const takeOptions = (allowed: string[]) => {
    const opts: { act?: ActivationName; stride?: number; padding?: PaddingName } = {};
    for (const t of rest) {
      if (isActivation(t) && allowed.includes('act')) opts.act = t;
      else if ((t === 'same' || t === 'valid') && allowed.includes('padding')) opts.padding = t;
      else if (t.startsWith('stride=') && allowed.includes('stride')) opts.stride = positiveInt(text, t.slice(7), 'stride');
      else throw archError(text, t, `unexpected token in '${item}'`);
    }
    return opts;
  };
  switch (head) {
    case 'dense':
    case 'fc': {
      const units = positiveInt(text, rest.shift(), 'the number of units');
      const { act } = takeOptions(['act']);
      return [{ type: 'dense', units, ...(act ? { activation: act } : {}) }];
    }
    case 'conv': {
      const dims = rest.shift();
      const m = dims ? /^(\d+)x(\d+)(?:x(\d+))?$/.exec(dims) : null;
      if (!m) throw archError(text, dims ?? item, 'conv needs FILTERSxKxK, e.g. 20x5x5');
      const filters = positiveInt(text, m[1], 'filters');
      const k1 = positiveInt(text, m[2], 'kernel size');
      if (m[3] !== undefined && Number(m[3]) !== k1) throw archError(text, dims!, 'only square kernels are supported');
      const { act, stride, padding } = takeOptions(['act', 'stride', 'padding']);
      return [{ type: 'conv2d', filters, kernel: k1, stride: stride ?? 1, padding: padding ?? 'valid', ...(act ? { activation: act } : {}) }];
    }
    case 'maxpool':
    case 'avgpool': {
      const size = positiveInt(text, rest.shift(), 'pool size');
      const { stride } = takeOptions(['stride']);
      return [{ type: head, size, stride: stride ?? size }];
    }
    case 'flatten':
      takeOptions([]);
      return [{ type: 'flatten' }];
    case 'dropout': {
      const p = rest.shift();
      const rate = Number(p);
      if (p === undefined || !Number.isFinite(rate) || rate < 0 || rate >= 1) throw archError(text, p ?? item, 'dropout needs a rate in [0, 1)');
      takeOptions([]);
      return [{ type: 'dropout', rate }];
    }
    default:
      if (isActivation(head)) {
        if (rest.length === 0) return [{ type: 'activation', activation: head }];
        const units = positiveInt(text, rest.shift(), 'the number of units');
        takeOptions([]);
        return [{ type: 'dense', units, activation: head }];
      }
      throw archError(text, toks[0]!, 'unknown layer');
  }
}

/** The inverse of `parseArchitecture`, for display. */
export function formatArchitecture(layers: readonly LayerSpec[]): string {
  return layers
    .map((l) => {
      switch (l.type) {
        case 'dense': return `dense ${l.units}${l.activation ? ' ' + l.activation : ''}`;
        case 'activation': return l.activation;
        case 'dropout': return `dropout ${l.rate}`;
        case 'conv2d': return `conv ${l.filters}x${l.kernel}x${l.kernel}${l.activation ? ' ' + l.activation : ''}${(l.stride ?? 1) !== 1 ? ` stride=${l.stride}` : ''}${l.padding === 'same' ? ' same' : ''}`;
        case 'maxpool':
        case 'avgpool': return `${l.type} ${l.size}${l.stride !== undefined && l.stride !== l.size ? ` stride=${l.stride}` : ''}`;
        case 'flatten': return 'flatten';
      }
    })
    .join(', ');
}
