// Products whose left operand is mostly zeros.
//
// A convolution followed by max-pooling gets back an error δ that is zero everywhere but at each
// window's maximum: at least 3 of 4 entries for 2×2 windows, more where ReLU was off. Its backward
// products (∂C/∂w = Δ·X and the input error Δᵀ·W, in `src/layers/conv2d.ts`) then multiply mostly
// zeros. `gemmSparseA` first lists each row's nonzero entries (their depth index and value), then
// adds only those rows of B: C[i, :] = Σ_{p : A(i, p) ≠ 0} A(i, p) · B[p, :].
//
// Each element of C is one sequence of `madd`s over its row's nonzero entries in increasing p,
// whatever the blocking, so the result does not depend on tile sizes; it equals the dense product
// (`outer`'s, which runs over every p) except that skipped zero terms do not carry NaN or ∞ from B
// (a zero A(i, p) times anything is taken to be nothing) nor the sign of an exact zero.
import { madd, madd1 } from './vmath';
import { outer } from './gemm';

/**
 * For each 4-bit mask of nonzero lanes: the byte shuffle that packs those lanes to the front
 * (16 masks × 16 bytes), then their lane numbers as i32x4 (16 × 16 bytes).
 */
const PACK = memory.data<u8>([
  0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3,
  0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3,
  4, 5, 6, 7, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3,
  0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 0, 1, 2, 3,
  8, 9, 10, 11, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3,
  0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 0, 1, 2, 3,
  4, 5, 6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 0, 1, 2, 3,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 1, 2, 3,
  12, 13, 14, 15, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3,
  0, 1, 2, 3, 12, 13, 14, 15, 0, 1, 2, 3, 0, 1, 2, 3,
  4, 5, 6, 7, 12, 13, 14, 15, 0, 1, 2, 3, 0, 1, 2, 3,
  0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15, 0, 1, 2, 3,
  8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 0, 1, 2, 3,
  0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3,
  4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0,
  3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  1, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0,
  2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0,
  1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0,
]);

/** A block of B: COLS columns × DEPTH rows = 32 KiB, which stays in L1 while every row of A uses it. */
// @ts-ignore: decorator
@inline const COLS: i32 = 64;
// @ts-ignore: decorator
@inline const DEPTH: i32 = 128;

/** acc (8 vectors = 32 columns) for entries [e0, e1) of a row; `fromC` starts from C. */
// @ts-ignore: decorator
@inline function tile32(e0: i32, e1: i32, idx: usize, val: usize, pb: usize, ldb4: usize, pc: usize, fromC: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  let c4 = f32x4.splat(0), c5 = f32x4.splat(0), c6 = f32x4.splat(0), c7 = f32x4.splat(0);
  if (fromC) {
    c0 = v128.load(pc); c1 = v128.load(pc, 16); c2 = v128.load(pc, 32); c3 = v128.load(pc, 48);
    c4 = v128.load(pc, 64); c5 = v128.load(pc, 80); c6 = v128.load(pc, 96); c7 = v128.load(pc, 112);
  }
  for (let e = e0; e < e1; e++) {
    const o = <usize>e << 2;
    const x = v128.load32_splat(val + o);
    const b = pb + <usize>load<i32>(idx + o);
    c0 = madd(x, v128.load(b), c0); c1 = madd(x, v128.load(b, 16), c1);
    c2 = madd(x, v128.load(b, 32), c2); c3 = madd(x, v128.load(b, 48), c3);
    c4 = madd(x, v128.load(b, 64), c4); c5 = madd(x, v128.load(b, 80), c5);
    c6 = madd(x, v128.load(b, 96), c6); c7 = madd(x, v128.load(b, 112), c7);
  }
  v128.store(pc, c0); v128.store(pc, c1, 16); v128.store(pc, c2, 32); v128.store(pc, c3, 48);
  v128.store(pc, c4, 64); v128.store(pc, c5, 80); v128.store(pc, c6, 96); v128.store(pc, c7, 112);
}

/** 24 columns (a 5×5 filter's 25 inputs are one tile24 and one tile1). */
// @ts-ignore: decorator
@inline function tile24(e0: i32, e1: i32, idx: usize, val: usize, pb: usize, ldb4: usize, pc: usize, fromC: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0), c4 = f32x4.splat(0), c5 = f32x4.splat(0);
  if (fromC) {
    c0 = v128.load(pc); c1 = v128.load(pc, 16); c2 = v128.load(pc, 32);
    c3 = v128.load(pc, 48); c4 = v128.load(pc, 64); c5 = v128.load(pc, 80);
  }
  for (let e = e0; e < e1; e++) {
    const o = <usize>e << 2;
    const x = v128.load32_splat(val + o);
    const b = pb + <usize>load<i32>(idx + o);
    c0 = madd(x, v128.load(b), c0); c1 = madd(x, v128.load(b, 16), c1); c2 = madd(x, v128.load(b, 32), c2);
    c3 = madd(x, v128.load(b, 48), c3); c4 = madd(x, v128.load(b, 64), c4); c5 = madd(x, v128.load(b, 80), c5);
  }
  v128.store(pc, c0); v128.store(pc, c1, 16); v128.store(pc, c2, 32);
  v128.store(pc, c3, 48); v128.store(pc, c4, 64); v128.store(pc, c5, 80);
}

/** 8 columns. */
// @ts-ignore: decorator
@inline function tile8(e0: i32, e1: i32, idx: usize, val: usize, pb: usize, ldb4: usize, pc: usize, fromC: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
  if (fromC) { c0 = v128.load(pc); c1 = v128.load(pc, 16); }
  for (let e = e0; e < e1; e++) {
    const o = <usize>e << 2;
    const x = v128.load32_splat(val + o);
    const b = pb + <usize>load<i32>(idx + o);
    c0 = madd(x, v128.load(b), c0); c1 = madd(x, v128.load(b, 16), c1);
  }
  v128.store(pc, c0); v128.store(pc, c1, 16);
}

/** 4 columns. */
// @ts-ignore: decorator
@inline function tile4(e0: i32, e1: i32, idx: usize, val: usize, pb: usize, ldb4: usize, pc: usize, fromC: bool): void {
  let c0 = fromC ? v128.load(pc) : f32x4.splat(0);
  for (let e = e0; e < e1; e++) {
    const o = <usize>e << 2;
    c0 = madd(v128.load32_splat(val + o), v128.load(pb + <usize>load<i32>(idx + o)), c0);
  }
  v128.store(pc, c0);
}

/** One column: the same operation as one lane of the tiles. */
// @ts-ignore: decorator
@inline function tile1(e0: i32, e1: i32, idx: usize, val: usize, pb: usize, ldb4: usize, pc: usize, fromC: bool): void {
  let s: f32 = fromC ? load<f32>(pc) : 0;
  for (let e = e0; e < e1; e++) {
    const o = <usize>e << 2;
    s = madd1(load<f32>(val + o), load<f32>(pb + <usize>load<i32>(idx + o)), s);
  }
  store<f32>(pc, s);
}

/** Entries [e0, e1) of one row times columns [j, j + width) of B into `dst` (row-major, fromC: added to it). */
// @ts-ignore: decorator
@inline function rowTiles(width: i32, e0: i32, e1: i32, idx: usize, val: usize, pb: usize, ldb4: usize, dst: usize, fromC: bool): void {
  let j = 0;
  for (; j + 32 <= width; j += 32) tile32(e0, e1, idx, val, pb + (<usize>j << 2), ldb4, dst + (<usize>j << 2), fromC);
  if (j + 24 <= width) { tile24(e0, e1, idx, val, pb + (<usize>j << 2), ldb4, dst + (<usize>j << 2), fromC); j += 24; }
  for (; j + 8 <= width; j += 8) tile8(e0, e1, idx, val, pb + (<usize>j << 2), ldb4, dst + (<usize>j << 2), fromC);
  for (; j + 4 <= width; j += 4) tile4(e0, e1, idx, val, pb + (<usize>j << 2), ldb4, dst + (<usize>j << 2), fromC);
  for (; j < width; j++) tile1(e0, e1, idx, val, pb + (<usize>j << 2), ldb4, dst + (<usize>j << 2), fromC);
}

/** Where the parts of `work` lie for an m×k left operand (byte addresses). */
// @ts-ignore: decorator
@inline function lists(work: usize, m: i32, k: i32): usize {
  return work + ((<usize>m * <usize>k) << 3); // idx (m·k words), val (m·k words), then count, cursor, tiles
}

/**
 * Step 1 of `gemmSparseA`: each row's nonzero entries of A(i, p) = a[i·ars + p·aks], in increasing
 * p, as the byte offsets p·ldb4 of their rows of B at work + i·k (i32: B under 2 GiB, which the
 * wrapper checks) and values at work + m·k + i·k; the counts after them. Returns the number of
 * nonzero entries. NaN counts as nonzero.
 */
export function sparsePack(m: i32, k: i32, pa: usize, ars: i32, aks: i32, work: usize, ldb4: i32): i32 {
  const ars4 = <usize>ars << 2, aks4 = <usize>aks << 2;
  const idx = work, val = work + ((<usize>m * <usize>k) << 2), count = lists(work, m, k);
  let nonzero = 0;
  const k4 = aks == 1 ? k & ~3 : 0;
  for (let i = 0; i < m; i++) {
    const base = <usize>i * <usize>k << 2;
    const row = pa + <usize>i * ars4;
    let c = 0;
    // contiguous rows four at a time, branch-free: the group's nonzero lanes are packed to the front
    // by a table of shuffles and all four lanes stored; the count advances by the number kept
    // (c + 3 < p + 4 <= k: the stores stay in the row's k slots)
    for (let p = 0; p < k4; p += 4) {
      const v = v128.load(row + (<usize>p << 2));
      const mask = i32x4.bitmask(f32x4.ne(v, f32x4.splat(0)));
      const t = PACK + (<usize>mask << 4);
      const o = base + (<usize>c << 2);
      v128.store(val + o, v128.swizzle(v, v128.load(t)));
      v128.store(idx + o, i32x4.mul(i32x4.add(i32x4.splat(p), v128.load(t, 256)), i32x4.splat(ldb4)));
      c += <i32>popcnt(mask);
    }
    // the rest (strided rows entirely): each entry written, kept by advancing the count
    let src = row + <usize>k4 * aks4;
    for (let p = k4; p < k; p++) {
      const v = load<f32>(src);
      const o = base + (<usize>c << 2);
      store<i32>(idx + o, p * ldb4);
      store<f32>(val + o, v);
      c += i32(v != 0);
      src += aks4;
    }
    store<i32>(count + (<usize>i << 2), c);
    nonzero += c;
  }
  return nonzero;
}

/**
 * Step 2 of `gemmSparseA`: rows [i0, i1) of C from the lists `sparsePack` left in `work` (i0 a
 * multiple of 4). Each row uses only its own lists, count and cursor, and a transposed C goes
 * through the tile of the range's first group of 4 rows, so threads may compute disjoint row
 * ranges at once.
 */
export function sparseRows(m: i32, n: i32, k: i32, pb: usize, pc: usize, cT: bool, accumulate: bool, work: usize, i0: i32, i1: i32): void {
  const ldb4 = <usize>n << 2;
  const idx = work, val = work + ((<usize>m * <usize>k) << 2), count = lists(work, m, k);
  const cursor = count + (<usize>m << 2), tiles = cursor + (<usize>m << 2);
  if (cT) {
    // Rows of C four at a time into a 4×32 tile, then written as columns of the stored matrix.
    const ldc4 = <usize>m << 2;
    const tile = tiles + (<usize>(i0 >> 2) << 9); // this range's 128 floats: the first group's
    for (let j0 = 0; j0 < n; j0 += 32) {
      const width = min(32, n - j0);
      const bj = pb + (<usize>j0 << 2);
      for (let g = i0; g < i1; g += 4) {
        const rows = min(4, i1 - g);
        for (let r = 0; r < rows; r++) {
          const base = <usize>(g + r) * <usize>k << 2;
          rowTiles(width, 0, load<i32>(count + (<usize>(g + r) << 2)), idx + base, val + base, bj, ldb4, tile + (<usize>r << 7), false);
        }
        const col = pc + <usize>j0 * ldc4 + (<usize>g << 2);
        if (rows == 4) {
          let q = 0;
          for (; q + 4 <= width; q += 4) {
            const o = <usize>q << 2;
            const a0 = v128.load(tile + o), a1 = v128.load(tile + 128 + o), a2 = v128.load(tile + 256 + o), a3 = v128.load(tile + 384 + o);
            const t0 = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7);
            const t2 = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
            let d = col + <usize>q * ldc4;
            let v = v128.shuffle<f32>(t0, t2, 0, 1, 4, 5);
            v128.store(d, accumulate ? f32x4.add(v128.load(d), v) : v);
            d += ldc4; v = v128.shuffle<f32>(t0, t2, 2, 3, 6, 7);
            v128.store(d, accumulate ? f32x4.add(v128.load(d), v) : v);
            d += ldc4; v = v128.shuffle<f32>(t1, t3, 0, 1, 4, 5);
            v128.store(d, accumulate ? f32x4.add(v128.load(d), v) : v);
            d += ldc4; v = v128.shuffle<f32>(t1, t3, 2, 3, 6, 7);
            v128.store(d, accumulate ? f32x4.add(v128.load(d), v) : v);
          }
          for (; q < width; q++)
            for (let r = 0; r < 4; r++) {
              const d = col + <usize>q * ldc4 + (<usize>r << 2), v = load<f32>(tile + (<usize>r << 7) + (<usize>q << 2));
              store<f32>(d, accumulate ? load<f32>(d) + v : v);
            }
        } else {
          for (let q = 0; q < width; q++)
            for (let r = 0; r < rows; r++) {
              const d = col + <usize>q * ldc4 + (<usize>r << 2), v = load<f32>(tile + (<usize>r << 7) + (<usize>q << 2));
              store<f32>(d, accumulate ? load<f32>(d) + v : v);
            }
        }
      }
    }
    return;
  }
  // Blocks of COLS columns × DEPTH rows of B (one block stays in L1 while every row of A uses it).
  const ldc4 = <usize>n << 2;
  for (let j0 = 0; j0 < n; j0 += COLS) {
    const width = min(COLS, n - j0);
    const bj = pb + (<usize>j0 << 2);
    for (let i = i0; i < i1; i++) store<i32>(cursor + (<usize>i << 2), 0);
    for (let p0 = 0; p0 < k; p0 += DEPTH) {
      const lim = min(p0 + DEPTH, k) * <i32>ldb4; // entries hold p·ldb4
      const fromC = accumulate || p0 > 0;
      for (let i = i0; i < i1; i++) {
        const base = <usize>i * <usize>k << 2;
        const rowIdx = idx + base;
        const e0 = load<i32>(cursor + (<usize>i << 2)), c = load<i32>(count + (<usize>i << 2));
        let e1 = e0;
        while (e1 < c && load<i32>(rowIdx + (<usize>e1 << 2)) < lim) e1++;
        store<i32>(cursor + (<usize>i << 2), e1);
        if (e1 == e0 && fromC) continue; // nothing to add to these columns
        rowTiles(width, e0, e1, rowIdx, val + base, bj, ldb4, pc + <usize>i * ldc4 + (<usize>j0 << 2), fromC);
      }
    }
  }
}

/**
 * C (+)= A · B with A(i, p) = a[i·ars + p·aks] (A or Aᵀ of a stored matrix) and B [k×n]
 * row-major. C is [m×n] row-major, or with `cT` stored transposed, [n×m] (C(i, j) at c[j·m + i]).
 * `work` holds 2·m·k + 2·m + 128·⌈m/4⌉ words (the lists, counts, cursors and room for a 4×32 tile
 * for each group of 4 rows, which a range of rows takes at its first group). Row-major C
 * accumulates in C (each element starts from C when `accumulate`); transposed C gets the finished
 * sum added. An A that is more than half nonzero is multiplied densely (`outer`, as `gemm` for
 * A·B, as `gemmTN` for a transposed C of Aᵀ without `accumulate`): the same values, except that
 * its zeros are then multiplied too (NaN or ∞ in B reaches C, as in `gemm`).
 */
export function gemmSparseA(m: i32, n: i32, k: i32, pa: usize, ars: i32, aks: i32, pb: usize, pc: usize, cT: bool, accumulate: bool, work: usize): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) memory.fill(pc, 0, (<usize>m * <usize>n) << 2);
    return;
  }
  const nonzero = sparsePack(m, k, pa, ars, aks, work, n << 2);
  const dense = <i64>nonzero * 2 > <i64>m * <i64>k;
  if (dense && !cT) {
    outer(m, n, k, pa, ars, aks, pb, n, pc, n, accumulate);
    return;
  }
  if (dense && ars == 1 && !accumulate) {
    // Cᵀ = Bᵀ · Aᵀ, both read in place: Bᵀ(j, p) = B[p, j], and Aᵀ[p, i] = a[p·aks + i] is row-major
    outer(n, m, k, pb, 1, n, pa, aks, pc, m, false);
    return;
  }
  sparseRows(m, n, k, pb, pc, cT, accumulate, work, 0, m);
}
