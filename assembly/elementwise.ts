// Element-wise kernels, rows/columns, neurons, softmax, regularizer gradients and optimizer
// steps, four lanes at a time. Tails (n not a multiple of 4) run through the same vector code on
// a partially loaded vector, so every element gets the same operations wherever it sits.
import { expv, sigmoidv, tanhv, flushSubnormal, scaledTerm, termFloor, loadPartial, storePartial } from './vmath';

// ---- rows and columns ------------------------------------------------------------------------

/** x[r, j] += bias[j]. */
export function addRowVector(x: usize, bias: usize, rows: i32, cols: i32): void {
  const c4 = cols & ~3, t = cols - c4, e = <usize>c4 << 2, rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowBytes;
    for (let o: usize = 0; o < e; o += 16) v128.store(xr + o, f32x4.add(v128.load(xr + o), v128.load(bias + o)));
    if (t) storePartial(xr + e, f32x4.add(loadPartial(xr + e, t), loadPartial(bias + e, t)), t);
  }
}

/** out[j] (+)= scale · Σ_r x[r, j], summed over r in order. */
export function columnSums(x: usize, rows: i32, cols: i32, out: usize, scale: f32, accumulate: bool): void {
  const c4 = cols & ~3, t = cols - c4, rowBytes = <usize>cols << 2;
  const sv = f32x4.splat(scale);
  for (let j = 0; j < c4; j += 4) {
    const o = <usize>j << 2;
    let s = accumulate ? v128.load(out + o) : f32x4.splat(0);
    for (let r = 0; r < rows; r++) s = f32x4.add(s, f32x4.mul(sv, v128.load(x + <usize>r * rowBytes + o)));
    v128.store(out + o, s);
  }
  if (t) {
    const o = <usize>c4 << 2;
    let s = accumulate ? loadPartial(out + o, t) : f32x4.splat(0);
    for (let r = 0; r < rows; r++) s = f32x4.add(s, f32x4.mul(sv, loadPartial(x + <usize>r * rowBytes + o, t)));
    storePartial(out + o, s, t);
  }
}

// ---- neurons -----------------------------------------------------------------------------------

export function sigmoid(z: usize, a: usize, n: i32): void {
  const n4 = n & ~3, t = n - n4, e = <usize>n4 << 2;
  for (let o: usize = 0; o < e; o += 16) v128.store(a + o, sigmoidv(v128.load(z + o)));
  if (t) storePartial(a + e, sigmoidv(loadPartial(z + e, t)), t);
}

/** dz = da ⊙ a (1 − a). */
// @ts-ignore: decorator
@inline function sigmoidBack(a: v128, da: v128): v128 {
  return f32x4.mul(f32x4.mul(da, a), f32x4.sub(f32x4.splat(1), a));
}
export function sigmoidBackward(a: usize, da: usize, dz: usize, n: i32): void {
  const n4 = n & ~3, t = n - n4, e = <usize>n4 << 2;
  for (let o: usize = 0; o < e; o += 16) v128.store(dz + o, sigmoidBack(v128.load(a + o), v128.load(da + o)));
  if (t) storePartial(dz + e, sigmoidBack(loadPartial(a + e, t), loadPartial(da + e, t)), t);
}

export function tanh(z: usize, a: usize, n: i32): void {
  const n4 = n & ~3, t = n - n4, e = <usize>n4 << 2;
  for (let o: usize = 0; o < e; o += 16) v128.store(a + o, tanhv(v128.load(z + o)));
  if (t) storePartial(a + e, tanhv(loadPartial(z + e, t)), t);
}

/** dz = da ⊙ (1 − a²). */
// @ts-ignore: decorator
@inline function tanhBack(a: v128, da: v128): v128 {
  return f32x4.mul(da, f32x4.sub(f32x4.splat(1), f32x4.mul(a, a)));
}
export function tanhBackward(a: usize, da: usize, dz: usize, n: i32): void {
  const n4 = n & ~3, t = n - n4, e = <usize>n4 << 2;
  for (let o: usize = 0; o < e; o += 16) v128.store(dz + o, tanhBack(v128.load(a + o), v128.load(da + o)));
  if (t) storePartial(dz + e, tanhBack(loadPartial(a + e, t), loadPartial(da + e, t)), t);
}

/** max(0, z) with NaN and −0 mapped to 0, as `z > 0 ? z : 0`. */
// @ts-ignore: decorator
@inline function reluv(z: v128): v128 {
  return f32x4.pmax(f32x4.splat(0), z);
}
export function relu(z: usize, a: usize, n: i32): void {
  const n4 = n & ~3, t = n - n4, e = <usize>n4 << 2;
  for (let o: usize = 0; o < e; o += 16) v128.store(a + o, reluv(v128.load(z + o)));
  if (t) storePartial(a + e, reluv(loadPartial(z + e, t)), t);
}

/** dz = z > 0 ? da : 0. */
// @ts-ignore: decorator
@inline function reluBack(z: v128, da: v128): v128 {
  return v128.and(f32x4.gt(z, f32x4.splat(0)), da);
}
export function reluBackward(z: usize, da: usize, dz: usize, n: i32): void {
  const n4 = n & ~3, t = n - n4, e = <usize>n4 << 2;
  for (let o: usize = 0; o < e; o += 16) v128.store(dz + o, reluBack(v128.load(z + o), v128.load(da + o)));
  if (t) storePartial(dz + e, reluBack(loadPartial(z + e, t), loadPartial(da + e, t)), t);
}

/** Row-wise softmax, shifted by the row maximum; an output under 2⁻¹²⁶ is 0, never subnormal. */
export function softmaxRows(z: usize, a: usize, rows: i32, cols: i32): void {
  if (cols <= 0) return;
  const c4 = cols & ~3, t = cols - c4, e = <usize>c4 << 2, rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const zr = z + <usize>r * rowBytes, ar = a + <usize>r * rowBytes;
    let mx: f32 = load<f32>(zr);
    for (let j = 1; j < cols; j++) mx = max(mx, load<f32>(zr + (<usize>j << 2)));
    const mv = f32x4.splat(mx);
    let sv = f32x4.splat(0);
    for (let o: usize = 0; o < e; o += 16) {
      const ev = expv(f32x4.sub(v128.load(zr + o), mv));
      v128.store(ar + o, ev);
      sv = f32x4.add(sv, ev);
    }
    let tail = f32x4.splat(0);
    if (t) {
      tail = expv(f32x4.sub(loadPartial(zr + e, t), mv));
      if (t < 4) tail = v128.and(tail, t == 1 ? i32x4(-1, 0, 0, 0) : t == 2 ? i32x4(-1, -1, 0, 0) : i32x4(-1, -1, -1, 0));
      storePartial(ar + e, tail, t);
    }
    sv = f32x4.add(sv, tail);
    const s = f32x4.add(sv, v128.shuffle<f32>(sv, sv, 2, 3, 0, 1));
    const inv = f32x4.splat(<f32>1 / (f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1)));
    // an output scaled under 2⁻¹²⁶ is stored as 0 (`flushSubnormal`), as expv's are
    for (let o: usize = 0; o < e; o += 16) v128.store(ar + o, flushSubnormal(f32x4.mul(v128.load(ar + o), inv)));
    if (t) storePartial(ar + e, flushSubnormal(f32x4.mul(tail, inv)), t);
  }
}

/** dz_j = a_j (da_j − Σ_k da_k a_k), row by row. */
export function softmaxBackwardRows(a: usize, da: usize, dz: usize, rows: i32, cols: i32): void {
  const c4 = cols & ~3, t = cols - c4, e = <usize>c4 << 2, rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * rowBytes;
    const ar = a + off, dar = da + off, dzr = dz + off;
    let dv = f32x4.splat(0);
    for (let o: usize = 0; o < e; o += 16) dv = f32x4.add(dv, f32x4.mul(v128.load(dar + o), v128.load(ar + o)));
    if (t) dv = f32x4.add(dv, f32x4.mul(loadPartial(dar + e, t), loadPartial(ar + e, t)));
    const s = f32x4.add(dv, v128.shuffle<f32>(dv, dv, 2, 3, 0, 1));
    const dot = f32x4.splat(f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1));
    for (let o: usize = 0; o < e; o += 16) v128.store(dzr + o, f32x4.mul(v128.load(ar + o), f32x4.sub(v128.load(dar + o), dot)));
    if (t) storePartial(dzr + e, f32x4.mul(loadPartial(ar + e, t), f32x4.sub(loadPartial(dar + e, t), dot)), t);
  }
}

// ---- element-wise ------------------------------------------------------------------------------

export function mul(x: usize, y: usize, out: usize, n: i32): void {
  const n4 = n & ~3, t = n - n4, e = <usize>n4 << 2;
  for (let o: usize = 0; o < e; o += 16) v128.store(out + o, f32x4.mul(v128.load(x + o), v128.load(y + o)));
  if (t) storePartial(out + e, f32x4.mul(loadPartial(x + e, t), loadPartial(y + e, t)), t);
}

export function sub(x: usize, y: usize, out: usize, n: i32): void {
  const n4 = n & ~3, t = n - n4, e = <usize>n4 << 2;
  for (let o: usize = 0; o < e; o += 16) v128.store(out + o, f32x4.sub(v128.load(x + o), v128.load(y + o)));
  if (t) storePartial(out + e, f32x4.sub(loadPartial(x + e, t), loadPartial(y + e, t)), t);
}

/** y += alpha · x. */
export function axpy(alpha: f32, x: usize, y: usize, n: i32): void {
  const n4 = n & ~3, t = n - n4, e = <usize>n4 << 2, av = f32x4.splat(alpha);
  for (let o: usize = 0; o < e; o += 16) v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(av, v128.load(x + o))));
  if (t) storePartial(y + e, f32x4.add(loadPartial(y + e, t), f32x4.mul(av, loadPartial(x + e, t))), t);
}

/** x *= alpha. */
export function scale(x: usize, alpha: f32, n: i32): void {
  const n4 = n & ~3, t = n - n4, e = <usize>n4 << 2, av = f32x4.splat(alpha);
  for (let o: usize = 0; o < e; o += 16) v128.store(x + o, f32x4.mul(v128.load(x + o), av));
  if (t) storePartial(x + e, f32x4.mul(loadPartial(x + e, t), av), t);
}

// ---- regularizer gradients and optimizer steps ---------------------------------------------------

/** g += c · w (a term under 2⁻¹²⁶ dropped: `scaledTerm`). */
export function addL2Grad(w: usize, g: usize, c: f32, n: i32): void {
  const n4 = n & ~3, t = n - n4, e = <usize>n4 << 2, cv = f32x4.splat(c), wMin = termFloor(c);
  for (let o: usize = 0; o < e; o += 16) v128.store(g + o, f32x4.add(v128.load(g + o), scaledTerm(v128.load(w + o), cv, wMin)));
  if (t) storePartial(g + e, f32x4.add(loadPartial(g + e, t), scaledTerm(loadPartial(w + e, t), cv, wMin)), t);
}

/** sgn(w) ∈ {−1, 0, 1} (NaN → 0). */
// @ts-ignore: decorator
@inline function signv(w: v128): v128 {
  const one = f32x4.splat(1), zero = f32x4.splat(0);
  return f32x4.sub(v128.and(f32x4.gt(w, zero), one), v128.and(f32x4.lt(w, zero), one));
}
/** g += c · sgn(w). */
export function addL1Grad(w: usize, g: usize, c: f32, n: i32): void {
  const n4 = n & ~3, t = n - n4, e = <usize>n4 << 2, cv = f32x4.splat(c);
  for (let o: usize = 0; o < e; o += 16) v128.store(g + o, f32x4.add(v128.load(g + o), f32x4.mul(cv, signv(v128.load(w + o)))));
  if (t) storePartial(g + e, f32x4.add(loadPartial(g + e, t), f32x4.mul(cv, signv(loadPartial(w + e, t)))), t);
}

/** w −= η g. */
export function sgdStep(w: usize, g: usize, eta: f32, n: i32): void {
  const n4 = n & ~3, t = n - n4, e = <usize>n4 << 2, ev = f32x4.splat(eta);
  for (let o: usize = 0; o < e; o += 16) v128.store(w + o, f32x4.sub(v128.load(w + o), f32x4.mul(ev, v128.load(g + o))));
  if (t) storePartial(w + e, f32x4.sub(loadPartial(w + e, t), f32x4.mul(ev, loadPartial(g + e, t))), t);
}

/** w −= η (g + c·w): L2 and the SGD step in one pass (same operations as addL2Grad, then sgdStep). */
export function sgdDecayStep(w: usize, g: usize, eta: f32, c: f32, n: i32): void {
  const n4 = n & ~3, t = n - n4, e = <usize>n4 << 2, ev = f32x4.splat(eta), cv = f32x4.splat(c), wMin = termFloor(c);
  for (let o: usize = 0; o < e; o += 16) {
    const wv = v128.load(w + o);
    v128.store(w + o, f32x4.sub(wv, f32x4.mul(ev, f32x4.add(v128.load(g + o), scaledTerm(wv, cv, wMin)))));
  }
  if (t) {
    const wv = loadPartial(w + e, t);
    storePartial(w + e, f32x4.sub(wv, f32x4.mul(ev, f32x4.add(loadPartial(g + e, t), scaledTerm(wv, cv, wMin)))), t);
  }
}

/** v = μ v − η g;  w += v. */
export function momentumStep(w: usize, v: usize, g: usize, eta: f32, mu: f32, n: i32): void {
  const n4 = n & ~3, t = n - n4, e = <usize>n4 << 2, ev = f32x4.splat(eta), mv = f32x4.splat(mu);
  for (let o: usize = 0; o < e; o += 16) {
    const vi = f32x4.sub(f32x4.mul(mv, v128.load(v + o)), f32x4.mul(ev, v128.load(g + o)));
    v128.store(v + o, vi);
    v128.store(w + o, f32x4.add(v128.load(w + o), vi));
  }
  if (t) {
    const vi = f32x4.sub(f32x4.mul(mv, loadPartial(v + e, t)), f32x4.mul(ev, loadPartial(g + e, t)));
    storePartial(v + e, vi, t);
    storePartial(w + e, f32x4.add(loadPartial(w + e, t), vi), t);
  }
}

/** v = μ v − η g;  w += μ v − η g. */
export function nesterovStep(w: usize, v: usize, g: usize, eta: f32, mu: f32, n: i32): void {
  const n4 = n & ~3, t = n - n4, e = <usize>n4 << 2, ev = f32x4.splat(eta), mv = f32x4.splat(mu);
  for (let o: usize = 0; o < e; o += 16) {
    const eg = f32x4.mul(ev, v128.load(g + o));
    const vi = f32x4.sub(f32x4.mul(mv, v128.load(v + o)), eg);
    v128.store(v + o, vi);
    v128.store(w + o, f32x4.add(v128.load(w + o), f32x4.sub(f32x4.mul(mv, vi), eg)));
  }
  if (t) {
    const eg = f32x4.mul(ev, loadPartial(g + e, t));
    const vi = f32x4.sub(f32x4.mul(mv, loadPartial(v + e, t)), eg);
    storePartial(v + e, vi, t);
    storePartial(w + e, f32x4.add(loadPartial(w + e, t), f32x4.sub(f32x4.mul(mv, vi), eg)), t);
  }
}

/**
 * c·g² for the accumulators of AdaGrad, RMSProp and Adam, 0 in lanes where it would be subnormal
 * (|g| < gMin = √(2⁻¹²⁶ / c)). The product itself must not be formed there: a gradient that is
 * normal but tiny (|g| < 1e-19, common once a network is confident) squares to a subnormal, and
 * x86 takes that many times slower (Adam's step ran 15 times slower on gradients near 1e-18).
 */
// @ts-ignore: decorator
@inline function squareTerm(g: v128, c: v128, gMin: v128): v128 {
  const gk = v128.and(g, f32x4.ge(f32x4.abs(g), gMin));
  return f32x4.mul(c, f32x4.mul(gk, gk));
}

/** √(2⁻¹²⁶ / c): the smallest |g| whose c·g² is a normal float (`squareTerm`). */
function squareFloor(c: f32): v128 {
  return f32x4.splat(<f32>Math.sqrt(1.1754943508222875e-38 / <f64>c));
}

/** G += g²;  w −= η g / (√G + ε); no term under 2⁻¹²⁶ formed, subnormal results stored as 0. */
export function adagradStep(w: usize, acc: usize, g: usize, eta: f32, eps: f32, n: i32): void {
  const n4 = n & ~3, t = n - n4, e = <usize>n4 << 2, ev = f32x4.splat(eta), epv = f32x4.splat(eps);
  const one = f32x4.splat(1), gMin = squareFloor(1), qMin = termFloor(eta);
  for (let o: usize = 0; o < e; o += 16) {
    const gi = v128.load(g + o);
    const s = flushSubnormal(f32x4.add(v128.load(acc + o), squareTerm(gi, one, gMin)));
    v128.store(acc + o, s);
    v128.store(w + o, flushSubnormal(f32x4.sub(v128.load(w + o), scaledTerm(f32x4.div(gi, f32x4.add(f32x4.sqrt(s), epv)), ev, qMin))));
  }
  if (t) {
    const gi = loadPartial(g + e, t);
    const s = flushSubnormal(f32x4.add(loadPartial(acc + e, t), squareTerm(gi, one, gMin)));
    storePartial(acc + e, s, t);
    storePartial(w + e, flushSubnormal(f32x4.sub(loadPartial(w + e, t), scaledTerm(f32x4.div(gi, f32x4.add(f32x4.sqrt(s), epv)), ev, qMin))), t);
  }
}

/** S = ρ S + (1 − ρ) g²;  w −= η g / (√S + ε); no term under 2⁻¹²⁶ formed, subnormal results stored as 0. */
export function rmspropStep(w: usize, acc: usize, g: usize, eta: f32, rho: f32, eps: f32, n: i32): void {
  const n4 = n & ~3, t = n - n4, e = <usize>n4 << 2;
  const ev = f32x4.splat(eta), rv = f32x4.splat(rho), r1 = f32x4.splat(<f32>1 - rho), epv = f32x4.splat(eps);
  const gMin = squareFloor(<f32>1 - rho), qMin = termFloor(eta);
  for (let o: usize = 0; o < e; o += 16) {
    const gi = v128.load(g + o);
    const s = flushSubnormal(f32x4.add(f32x4.mul(rv, v128.load(acc + o)), squareTerm(gi, r1, gMin)));
    v128.store(acc + o, s);
    v128.store(w + o, flushSubnormal(f32x4.sub(v128.load(w + o), scaledTerm(f32x4.div(gi, f32x4.add(f32x4.sqrt(s), epv)), ev, qMin))));
  }
  if (t) {
    const gi = loadPartial(g + e, t);
    const s = flushSubnormal(f32x4.add(f32x4.mul(rv, loadPartial(acc + e, t)), squareTerm(gi, r1, gMin)));
    storePartial(acc + e, s, t);
    storePartial(w + e, flushSubnormal(f32x4.sub(loadPartial(w + e, t), scaledTerm(f32x4.div(gi, f32x4.add(f32x4.sqrt(s), epv)), ev, qMin))), t);
  }
}

/** m = β₁ m + (1 − β₁) g;  v = β₂ v + (1 − β₂) g²;  w −= ηₜ m / (√v + ε̂); no term under 2⁻¹²⁶ formed, subnormal results stored as 0. */
export function adamStep(w: usize, m: usize, v: usize, g: usize, etaT: f32, b1: f32, b2: f32, epsT: f32, n: i32): void {
  const n4 = n & ~3, t = n - n4, e = <usize>n4 << 2;
  const ev = f32x4.splat(etaT), b1v = f32x4.splat(b1), b1c = f32x4.splat(<f32>1 - b1);
  const b2v = f32x4.splat(b2), b2c = f32x4.splat(<f32>1 - b2), epv = f32x4.splat(epsT);
  const gMin = squareFloor(<f32>1 - b2), gMin1 = termFloor(<f32>1 - b1), qMin = termFloor(etaT);
  for (let o: usize = 0; o < e; o += 16) {
    const gi = v128.load(g + o);
    const mi = flushSubnormal(f32x4.add(f32x4.mul(b1v, v128.load(m + o)), scaledTerm(gi, b1c, gMin1)));
    const vi = flushSubnormal(f32x4.add(f32x4.mul(b2v, v128.load(v + o)), squareTerm(gi, b2c, gMin)));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    v128.store(w + o, flushSubnormal(f32x4.sub(v128.load(w + o), scaledTerm(f32x4.div(mi, f32x4.add(f32x4.sqrt(vi), epv)), ev, qMin))));
  }
  if (t) {
    const gi = loadPartial(g + e, t);
    const mi = flushSubnormal(f32x4.add(f32x4.mul(b1v, loadPartial(m + e, t)), scaledTerm(gi, b1c, gMin1)));
    const vi = flushSubnormal(f32x4.add(f32x4.mul(b2v, loadPartial(v + e, t)), squareTerm(gi, b2c, gMin)));
    storePartial(m + e, mi, t);
    storePartial(v + e, vi, t);
    storePartial(w + e, flushSubnormal(f32x4.sub(loadPartial(w + e, t), scaledTerm(f32x4.div(mi, f32x4.add(f32x4.sqrt(vi), epv)), ev, qMin))), t);
  }
}

// ---- data --------------------------------------------------------------------------------------

/** dst[i] = scale · src[i] for n bytes src (unsigned) and floats dst, 16 at a time. */
export function bytesToFloats(src: usize, n: i32, scale: f32, dst: usize): void {
  const sv = f32x4.splat(scale);
  const n16 = n & ~15;
  let i = 0;
  for (; i < n16; i += 16) {
    const b = v128.load(src + <usize>i);
    const lo = i16x8.extend_low_i8x16_u(b), hi = i16x8.extend_high_i8x16_u(b);
    const d = dst + (<usize>i << 2);
    v128.store(d, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(lo)), sv));
    v128.store(d, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(lo)), sv), 16);
    v128.store(d, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(hi)), sv), 32);
    v128.store(d, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(hi)), sv), 48);
  }
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), <f32>load<u8>(src + <usize>i) * scale);
}
