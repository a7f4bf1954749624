// Vector math helpers: the multiply-add of the products, e^x on four lanes.

/** c + a·b lane-wise: fused (one rounding) in the FMA build, a multiply then an add otherwise. */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  // @ts-ignore: FMA is a compile-time constant given by `asc --use FMA=0|1`
  if (FMA) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** c + a·b for one float, by the same lane operation as `madd`. */
// @ts-ignore: decorator
@inline export function madd1(a: f32, b: f32, c: f32): f32 {
  // @ts-ignore: compile-time constant
  if (!FMA) return c + a * b;
  return f32x4.extract_lane(madd(f32x4.splat(a), f32x4.splat(b), f32x4.splat(c)), 0);
}

// @ts-ignore: decorator
@inline const EXP_HI: f32 = 88.3762626647949; // largest x with e^x finite in float32 (n = 127)
// @ts-ignore: decorator
@inline const EXP_LO: f32 = -87.3365478515625; // keeps 2^n a normal number (n >= -126)
// @ts-ignore: decorator
@inline const LOG2E: f32 = 1.44269504088896341;
// ln 2 split in a part exact in float32 and a correction (Cody–Waite range reduction)
// @ts-ignore: decorator
@inline const LN2_HI: f32 = 0.693359375;
// @ts-ignore: decorator
@inline const LN2_LO: f32 = -2.12194440e-4;

/**
 * e^x for each lane: x = n ln2 + r with n = round(x / ln2), |r| <= ln2/2, then
 * e^x = 2^n · e^r with e^r from its degree-7 Taylor-like minimax polynomial
 * (relative error about 1e-7, the precision of float32). e^x never overflows (x is clamped to
 * 88.38) and is 0 for x < −87.34, where it would be subnormal: x86 does arithmetic on subnormal
 * floats many times slower, and a confident softmax layer otherwise hands them to every backward
 * pass (each output far below the winner was held at 2⁻¹²⁶, then scaled under it).
 */
// @ts-ignore: decorator
@inline export function expv(x: v128): v128 {
  const under = f32x4.lt(x, f32x4.splat(EXP_LO));
  x = f32x4.min(f32x4.max(x, f32x4.splat(EXP_LO)), f32x4.splat(EXP_HI));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  // e^r ≈ 1 + r + r²(c2 + c3 r + c4 r² + c5 r³ + c6 r⁴ + c7 r⁵)
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const r2 = f32x4.mul(r, r);
  p = f32x4.add(f32x4.add(f32x4.mul(p, r2), r), f32x4.splat(1));
  // 2^n built from its exponent bits
  const pow2 = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return v128.andnot(f32x4.mul(p, pow2), under);
}

/**
 * x with every subnormal lane (0 < |x| < 2⁻¹²⁶) made 0. WebAssembly has no flush-to-zero mode, and
 * arithmetic on subnormal floats is many times slower on x86: Adam with a large L2 λ drives weights
 * there (README, "Adam with L2 against AdamW"), a confident softmax its outputs.
 */
// @ts-ignore: decorator
@inline export function flushSubnormal(x: v128): v128 {
  return v128.and(x, f32x4.ge(f32x4.abs(x), f32x4.splat(1.17549435e-38)));
}

/**
 * c·x, 0 in the lanes where |x| < xMin. With xMin = `termFloor(c)` the product is never subnormal
 * and never formed from a subnormal: a term that small (under 2⁻¹²⁶) is dropped before it is made,
 * since making it is what is slow. (Adam with L2 leaves many weights near 1e-35, whose λ/n·w terms
 * made its epochs several times slower as training went on.)
 */
// @ts-ignore: decorator
@inline export function scaledTerm(x: v128, c: v128, xMin: v128): v128 {
  return f32x4.mul(c, v128.and(x, f32x4.ge(f32x4.abs(x), xMin)));
}

/** max(2⁻¹²⁶, 2⁻¹²⁶ / |c|): the smallest |x| for which `scaledTerm` forms c·x (∞ when c = 0). */
export function termFloor(c: f32): v128 {
  const m: f64 = 1.1754943508222875e-38;
  return f32x4.splat(<f32>Math.max(m, m / Math.abs(<f64>c)));
}

/** σ(z) = 1 / (1 + e^{−z}) on four lanes; 0 where that is subnormal (z < −87.3). */
// @ts-ignore: decorator
@inline export function sigmoidv(z: v128): v128 {
  return flushSubnormal(f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), expv(f32x4.neg(z)))));
}

/** tanh(z) = sgn(z) (1 − e^{−2|z|}) / (1 + e^{−2|z|}) on four lanes. */
// @ts-ignore: decorator
@inline export function tanhv(z: v128): v128 {
  const t = expv(f32x4.mul(f32x4.abs(z), f32x4.splat(-2)));
  const m = f32x4.div(f32x4.sub(f32x4.splat(1), t), f32x4.add(f32x4.splat(1), t));
  // copy the sign bit of z onto the non-negative magnitude
  return v128.or(m, v128.and(z, i32x4.splat(0x80000000)));
}

/** Load 1..3 trailing floats into the low lanes of a vector (the other lanes zero). */
// @ts-ignore: decorator
@inline export function loadPartial(p: usize, count: i32): v128 {
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (count > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (count > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/** Store the low 1..3 lanes of a vector. */
// @ts-ignore: decorator
@inline export function storePartial(p: usize, v: v128, count: i32): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (count > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (count > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}
