// Matrix products with 128-bit SIMD (f32x4), register- and cache-blocked.
//
// Two micro-kernel families cover the three forms backprop needs:
//
// * "outer": C[i, j..j+8] += A(i, p) · B[p, j..j+8] for 4 rows i at a time, the B row loaded as
//   two vectors and A(i, p) broadcast. A(i, p) is read through two strides (row, depth), so the
//   same code serves A·B (A row-major: row stride k, depth stride 1) and Aᵀ·B (A stored k×m:
//   row stride 1, depth stride m). The 4×8 tile lives in 8 vector registers. The depth is cut
//   into blocks of KC so that the 8-column panel of B being reused stays in L1.
//
// * "dot": C[i, j] = Σ_p A[i, p] · B[j, p] for A·Bᵀ, where both operands are contiguous along
//   the depth. A 2×4 tile of dot products is accumulated lane-wise (8 vector registers) and the
//   lanes are summed at the end with a 4×4 transpose-add. No packing is needed.
//
// Every element of C is computed by one fixed sequence of float operations whatever tile or
// sub-range it falls in, so splitting a product across threads (by row or column ranges) gives
// bit-for-bit the same result as computing it whole.
//
// Pointers are byte addresses in linear memory; strides are in floats.
//
// Every multiply-add of a product goes through `madd`. The build makes two binaries of each kind
// (scripts/build-wasm.mjs): with `--use FMA=0` it is a multiply then an add (plain 128-bit SIMD,
// every engine), with `--use FMA=1` it is relaxed SIMD's `f32x4.relaxed_madd`, which engines turn
// into one fused multiply-add instruction where the processor has one (x86 FMA3, ARM NEON): one
// rounding instead of two, and half the arithmetic instructions. Scalar remainders use the same
// vector operation on one lane, so an element's value never depends on the tile it falls in.

import { madd, madd1 } from './vmath';

// @ts-ignore: decorator
@inline const KC: i32 = 256;
// @ts-ignore: decorator
@inline const KC_DOT: i32 = 256;

/** Sum of the four lanes in a fixed order: (v0 + v2) + (v1 + v3). */
// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  const s = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
}

/** [Σv0, Σv1, Σv2, Σv3], each lane summed as in `hsum`. */
// @ts-ignore: decorator
@inline function hsum4(v0: v128, v1: v128, v2: v128, v3: v128): v128 {
  // lanes: (x0 + x2) and (x1 + x3) for each input, then their sum
  const s01 = f32x4.add(v128.shuffle<f32>(v0, v1, 0, 4, 1, 5), v128.shuffle<f32>(v0, v1, 2, 6, 3, 7));
  const s23 = f32x4.add(v128.shuffle<f32>(v2, v3, 0, 4, 1, 5), v128.shuffle<f32>(v2, v3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(s01, s23, 0, 1, 4, 5), v128.shuffle<f32>(s01, s23, 2, 3, 6, 7));
}

// ---------------------------------------------------------------------------------------------
// outer-product form: C[mm×nn] (row stride ldc) (+)= Σ_p A(i, p) B[p, j]
//   A(i, p) at pa + 4 (i·ars + p·aks);  B[p, j] at pb + 4 (p·ldb + j)
// ---------------------------------------------------------------------------------------------

/** A 4×8 tile over `kc` depth steps. `fromC` = start from C (else from zero). */
// @ts-ignore: decorator
@inline function outer4x8(kc: i32, pa: usize, ars4: usize, aks4: usize, pb: usize, ldb4: usize, pc: usize, ldc4: usize, fromC: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const pc1 = pc + ldc4, pc2 = pc1 + ldc4, pc3 = pc2 + ldc4;
  if (fromC) {
    c00 = v128.load(pc); c01 = v128.load(pc, 16);
    c10 = v128.load(pc1); c11 = v128.load(pc1, 16);
    c20 = v128.load(pc2); c21 = v128.load(pc2, 16);
    c30 = v128.load(pc3); c31 = v128.load(pc3, 16);
  }
  let a0 = pa, a1 = pa + ars4, a2 = a1 + ars4, a3 = a2 + ars4;
  let b = pb;
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let x = v128.load32_splat(a0);
    c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(a1);
    c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(a2);
    c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(a3);
    c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    a0 += aks4; a1 += aks4; a2 += aks4; a3 += aks4;
    b += ldb4;
  }
  v128.store(pc, c00); v128.store(pc, c01, 16);
  v128.store(pc1, c10); v128.store(pc1, c11, 16);
  v128.store(pc2, c20); v128.store(pc2, c21, 16);
  v128.store(pc3, c30); v128.store(pc3, c31, 16);
}

/** A 1×8 tile (row remainder). */
// @ts-ignore: decorator
@inline function outer1x8(kc: i32, pa: usize, aks4: usize, pb: usize, ldb4: usize, pc: usize, fromC: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
  if (fromC) { c0 = v128.load(pc); c1 = v128.load(pc, 16); }
  let a = pa, b = pb;
  for (let p = 0; p < kc; p++) {
    const x = v128.load32_splat(a);
    c0 = madd(x, v128.load(b), c0);
    c1 = madd(x, v128.load(b, 16), c1);
    a += aks4; b += ldb4;
  }
  v128.store(pc, c0); v128.store(pc, c1, 16);
}

/** A 4×4 tile (4-column remainder). */
// @ts-ignore: decorator
@inline function outer4x4(kc: i32, pa: usize, ars4: usize, aks4: usize, pb: usize, ldb4: usize, pc: usize, ldc4: usize, fromC: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  const pc1 = pc + ldc4, pc2 = pc1 + ldc4, pc3 = pc2 + ldc4;
  if (fromC) { c0 = v128.load(pc); c1 = v128.load(pc1); c2 = v128.load(pc2); c3 = v128.load(pc3); }
  let a0 = pa, a1 = pa + ars4, a2 = a1 + ars4, a3 = a2 + ars4;
  let b = pb;
  for (let p = 0; p < kc; p++) {
    const bv = v128.load(b);
    c0 = madd(v128.load32_splat(a0), bv, c0);
    c1 = madd(v128.load32_splat(a1), bv, c1);
    c2 = madd(v128.load32_splat(a2), bv, c2);
    c3 = madd(v128.load32_splat(a3), bv, c3);
    a0 += aks4; a1 += aks4; a2 += aks4; a3 += aks4;
    b += ldb4;
  }
  v128.store(pc, c0); v128.store(pc1, c1); v128.store(pc2, c2); v128.store(pc3, c3);
}

/** A 1×4 tile. */
// @ts-ignore: decorator
@inline function outer1x4(kc: i32, pa: usize, aks4: usize, pb: usize, ldb4: usize, pc: usize, fromC: bool): void {
  let c0 = fromC ? v128.load(pc) : f32x4.splat(0);
  let a = pa, b = pb;
  for (let p = 0; p < kc; p++) {
    c0 = madd(v128.load32_splat(a), v128.load(b), c0);
    a += aks4; b += ldb4;
  }
  v128.store(pc, c0);
}

/** One element (column remainder < 4): the same sequence of operations as one vector lane. */
// @ts-ignore: decorator
@inline function outer1x1(kc: i32, pa: usize, aks4: usize, pb: usize, ldb4: usize, pc: usize, fromC: bool): void {
  let s: f32 = fromC ? load<f32>(pc) : 0;
  let a = pa, b = pb;
  for (let p = 0; p < kc; p++) {
    s = madd1(load<f32>(a), load<f32>(b), s);
    a += aks4; b += ldb4;
  }
  store<f32>(pc, s);
}

/**
 * Whether the kc×8 panel of B at pb (row stride ldb4 bytes) is all zeros (either sign). Raw pixel
 * inputs are mostly zeros (MNIST's borders): a dense layer's dW = δᵀ·X then has whole panels of X
 * that contribute nothing.
 */
// @ts-ignore: decorator
@inline function zeroPanel(kc: i32, pb: usize, ldb4: usize): bool {
  const magnitude = i32x4.splat(0x7fffffff); // −0 counts as zero
  let b = pb;
  for (let p = 0; p < kc; p++) {
    if (v128.any_true(v128.and(v128.or(v128.load(b), v128.load(b, 16)), magnitude))) return false; // dense data leaves at once
    b += ldb4;
  }
  return true;
}

/**
 * The outer-product driver: depth blocks of KC, 8-column panels of B, 4-row blocks of A. A panel
 * of B that is all zeros is skipped (its columns of C are 0, or unchanged when accumulating):
 * the same result as multiplying it out, except that NaN or ∞ in A then does not reach those
 * columns.
 */
export function outer(mm: i32, nn: i32, k: i32, pa: usize, ars: i32, aks: i32, pb: usize, ldb: i32, pc: usize, ldc: i32, accumulate: bool): void {
  if (mm <= 0 || nn <= 0) return;
  const ars4 = <usize>ars << 2, aks4 = <usize>aks << 2, ldb4 = <usize>ldb << 2, ldc4 = <usize>ldc << 2;
  if (k <= 0) {
    if (!accumulate) for (let i = 0; i < mm; i++) memory.fill(pc + <usize>i * ldc4, 0, <usize>nn << 2);
    return;
  }
  const m4 = mm & ~3, n8 = nn & ~7;
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = min(KC, k - p0);
    const fromC = accumulate || p0 > 0;
    const a0 = pa + <usize>p0 * aks4;
    const b0 = pb + <usize>p0 * ldb4;
    let j = 0;
    for (; j < n8; j += 8) {
      const bj = b0 + (<usize>j << 2);
      if (zeroPanel(kc, bj, ldb4)) {
        if (!fromC) {
          const z = f32x4.splat(0);
          for (let i = 0; i < mm; i++) {
            const pci = pc + <usize>i * ldc4 + (<usize>j << 2);
            v128.store(pci, z);
            v128.store(pci, z, 16);
          }
        }
        continue;
      }
      let i = 0;
      for (; i < m4; i += 4) outer4x8(kc, a0 + <usize>i * ars4, ars4, aks4, bj, ldb4, pc + <usize>i * ldc4 + (<usize>j << 2), ldc4, fromC);
      for (; i < mm; i++) outer1x8(kc, a0 + <usize>i * ars4, aks4, bj, ldb4, pc + <usize>i * ldc4 + (<usize>j << 2), fromC);
    }
    if (j + 4 <= nn) {
      const bj = b0 + (<usize>j << 2);
      let i = 0;
      for (; i < m4; i += 4) outer4x4(kc, a0 + <usize>i * ars4, ars4, aks4, bj, ldb4, pc + <usize>i * ldc4 + (<usize>j << 2), ldc4, fromC);
      for (; i < mm; i++) outer1x4(kc, a0 + <usize>i * ars4, aks4, bj, ldb4, pc + <usize>i * ldc4 + (<usize>j << 2), fromC);
      j += 4;
    }
    for (; j < nn; j++) {
      const bj = b0 + (<usize>j << 2);
      for (let i = 0; i < mm; i++) outer1x1(kc, a0 + <usize>i * ars4, aks4, bj, ldb4, pc + <usize>i * ldc4 + (<usize>j << 2), fromC);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// dot form: C[mm×nn] (row stride ldc) (+)= Σ_p A[i, p] B[j, p], rows of A and B contiguous
// ---------------------------------------------------------------------------------------------

/** Scalar tail of a dot product over depth [k4, kc). */
// @ts-ignore: decorator
@inline function dotTail(k4: i32, kc: i32, a: usize, b: usize): f32 {
  let s: f32 = 0;
  for (let p = k4; p < kc; p++) s = madd1(load<f32>(a + (<usize>p << 2)), load<f32>(b + (<usize>p << 2)), s);
  return s;
}

/**
 * A 2×4 tile of dot products over depth kc. With `skipZeros` (a constant at each call, so the
 * compiler keeps two loops), a depth step of 4 where both rows of A are zero is skipped: for an A
 * that is mostly zeros (raw pixels). Adding x·y = ±0 to a lane never changes its value (the lanes
 * start at +0, and +0 + −0 = +0), so the result is the same, except that NaN or ∞ in B is not
 * multiplied by those zeros, and, in the FMA build, the sign of a zero: a fused multiply-add
 * whose exact result underflows to −0 leaves −0 in a lane, which a skipped +0 step keeps and an
 * added one turns into +0. Whether steps are skipped depends on the rows a call sees (`mostlyZero`),
 * so a product split across threads may differ from the whole in the sign of such zeros, never in
 * a value.
 */
// @ts-ignore: decorator
@inline function dot2x4(kc: i32, pa: usize, lda4: usize, pb: usize, ldb4: usize, pc: usize, ldc4: usize, fromC: bool, skipZeros: bool): void {
  const k4 = kc & ~3;
  let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s02 = f32x4.splat(0), s03 = f32x4.splat(0);
  let s10 = f32x4.splat(0), s11 = f32x4.splat(0), s12 = f32x4.splat(0), s13 = f32x4.splat(0);
  const a1 = pa + lda4;
  const b1 = pb + ldb4, b2 = b1 + ldb4, b3 = b2 + ldb4;
  for (let p = 0; p < k4; p += 4) {
    const o = <usize>p << 2;
    const x0 = v128.load(pa + o), x1 = v128.load(a1 + o);
    if (skipZeros && !v128.any_true(v128.or(x0, x1))) continue;
    let y = v128.load(pb + o);
    s00 = madd(x0, y, s00); s10 = madd(x1, y, s10);
    y = v128.load(b1 + o);
    s01 = madd(x0, y, s01); s11 = madd(x1, y, s11);
    y = v128.load(b2 + o);
    s02 = madd(x0, y, s02); s12 = madd(x1, y, s12);
    y = v128.load(b3 + o);
    s03 = madd(x0, y, s03); s13 = madd(x1, y, s13);
  }
  let r0 = hsum4(s00, s01, s02, s03);
  let r1 = hsum4(s10, s11, s12, s13);
  if (k4 < kc) {
    const t0 = f32x4(dotTail(k4, kc, pa, pb), dotTail(k4, kc, pa, b1), dotTail(k4, kc, pa, b2), dotTail(k4, kc, pa, b3));
    const t1 = f32x4(dotTail(k4, kc, a1, pb), dotTail(k4, kc, a1, b1), dotTail(k4, kc, a1, b2), dotTail(k4, kc, a1, b3));
    r0 = f32x4.add(r0, t0);
    r1 = f32x4.add(r1, t1);
  }
  const pc1 = pc + ldc4;
  if (fromC) {
    r0 = f32x4.add(v128.load(pc), r0);
    r1 = f32x4.add(v128.load(pc1), r1);
  }
  v128.store(pc, r0);
  v128.store(pc1, r1);
}

/** Whether at least half of the mm×k floats of A (row stride lda4 bytes) are +0, checked 4 at a time. */
function mostlyZero(mm: i32, k: i32, pa: usize, lda4: usize): bool {
  const k4 = k & ~3;
  if (k4 == 0) return false;
  let zero = 0;
  for (let i = 0; i < mm; i++) {
    const row = pa + <usize>i * lda4;
    for (let p = 0; p < k4; p += 4) if (!v128.any_true(v128.load(row + (<usize>p << 2)))) zero++;
  }
  return zero * 8 >= mm * k4; // at least half the 4-float groups (so at least half the floats) are zero
}

/** A 1×4 tile of dot products. */
// @ts-ignore: decorator
@inline function dot1x4(kc: i32, pa: usize, pb: usize, ldb4: usize, pc: usize, fromC: bool): void {
  const k4 = kc & ~3;
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  const b1 = pb + ldb4, b2 = b1 + ldb4, b3 = b2 + ldb4;
  for (let p = 0; p < k4; p += 4) {
    const o = <usize>p << 2;
    const x = v128.load(pa + o);
    s0 = madd(x, v128.load(pb + o), s0);
    s1 = madd(x, v128.load(b1 + o), s1);
    s2 = madd(x, v128.load(b2 + o), s2);
    s3 = madd(x, v128.load(b3 + o), s3);
  }
  let r = hsum4(s0, s1, s2, s3);
  if (k4 < kc) r = f32x4.add(r, f32x4(dotTail(k4, kc, pa, pb), dotTail(k4, kc, pa, b1), dotTail(k4, kc, pa, b2), dotTail(k4, kc, pa, b3)));
  if (fromC) r = f32x4.add(v128.load(pc), r);
  v128.store(pc, r);
}

/** One dot product (column remainder), lane for lane the same operations as the tiles. */
// @ts-ignore: decorator
@inline function dot1x1(kc: i32, pa: usize, pb: usize, pc: usize, fromC: bool): void {
  const k4 = kc & ~3;
  let s = f32x4.splat(0);
  for (let p = 0; p < k4; p += 4) {
    const o = <usize>p << 2;
    s = madd(v128.load(pa + o), v128.load(pb + o), s);
  }
  let r = hsum(s);
  if (k4 < kc) r = r + dotTail(k4, kc, pa, pb);
  store<f32>(pc, fromC ? load<f32>(pc) + r : r);
}

/** The dot-form driver: blocks of 4 rows of B (reused from L1) × pairs of rows of A. */
export function dotNT(mm: i32, nn: i32, k: i32, pa: usize, lda: i32, pb: usize, ldb: i32, pc: usize, ldc: i32, accumulate: bool): void {
  if (mm <= 0 || nn <= 0) return;
  const lda4 = <usize>lda << 2, ldb4 = <usize>ldb << 2, ldc4 = <usize>ldc << 2;
  if (k <= 0) {
    if (!accumulate) for (let i = 0; i < mm; i++) memory.fill(pc + <usize>i * ldc4, 0, <usize>nn << 2);
    return;
  }
  const m2 = mm & ~1, n4 = nn & ~3;
  const sparse = mostlyZero(mm, k, pa, lda4);
  for (let p0 = 0; p0 < k; p0 += KC_DOT) {
    const kc = min(KC_DOT, k - p0);
    const fromC = accumulate || p0 > 0;
    const a0 = pa + (<usize>p0 << 2), b0 = pb + (<usize>p0 << 2);
    let j = 0;
    for (; j < n4; j += 4) {
      const bj = b0 + <usize>j * ldb4;
      let i = 0;
      if (sparse) for (; i < m2; i += 2) dot2x4(kc, a0 + <usize>i * lda4, lda4, bj, ldb4, pc + <usize>i * ldc4 + (<usize>j << 2), ldc4, fromC, true);
      else for (; i < m2; i += 2) dot2x4(kc, a0 + <usize>i * lda4, lda4, bj, ldb4, pc + <usize>i * ldc4 + (<usize>j << 2), ldc4, fromC, false);
      if (i < mm) dot1x4(kc, a0 + <usize>i * lda4, bj, ldb4, pc + <usize>i * ldc4 + (<usize>j << 2), fromC);
    }
    for (; j < nn; j++) {
      const bj = b0 + <usize>j * ldb4;
      for (let i = 0; i < mm; i++) dot1x1(kc, a0 + <usize>i * lda4, bj, pc + <usize>i * ldc4 + (<usize>j << 2), fromC);
    }
  }
}
