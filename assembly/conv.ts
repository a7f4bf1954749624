// Convolution helpers (im2col / col2im, layout changes, per-channel bias and sums) and pooling.
// Same contracts as src/kernels/kernels.ts; pointers are byte addresses, offsets in floats.
import { loadPartial, storePartial } from './vmath';

/** dst[0..n) += src[0..n), four lanes at a time. */
// @ts-ignore: decorator
@inline function addInto(dst: usize, src: usize, n: i32): void {
  const n4 = n & ~3, t = n - n4, e = <usize>n4 << 2;
  for (let o: usize = 0; o < e; o += 16) v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  if (t) storePartial(dst + e, f32x4.add(loadPartial(dst + e, t), loadPartial(src + e, t)), t);
}

/** dst[0..n) = src[0..n): vector moves (memory.copy costs a call, too much for rows of 8 or 24 floats). */
// @ts-ignore: decorator
@inline function copyFloats(dst: usize, src: usize, n: i32): void {
  const e = <usize>(n & ~3) << 2, end = <usize>n << 2;
  let o: usize = 0;
  for (; o < e; o += 16) v128.store(dst + o, v128.load(src + o));
  for (; o < end; o += 4) store<f32>(dst + o, load<f32>(src + o));
}

/** dst[0..n) = 0. */
// @ts-ignore: decorator
@inline function zeroFloats(dst: usize, n: i32): void {
  const e = <usize>(n & ~3) << 2, end = <usize>n << 2;
  const z = f32x4.splat(0);
  let o: usize = 0;
  for (; o < e; o += 16) v128.store(dst + o, z);
  for (; o < end; o += 4) store<f32>(dst + o, 0);
}

/** The columns [lo, hi) of an output row whose input column ox·stride + kx − padX lies inside [0, w). */
// @ts-ignore: decorator
@inline function validLo(kx: i32, padX: i32, stride: i32): i32 {
  const need = padX - kx; // ox·stride >= need
  return need <= 0 ? 0 : (need + stride - 1) / stride;
}
// @ts-ignore: decorator
@inline function validHi(kx: i32, padX: i32, stride: i32, w: i32, ow: i32): i32 {
  const lim = w - kx + padX; // ox·stride < lim
  if (lim <= 0) return 0;
  return min(ow, (lim + stride - 1) / stride);
}

export function im2col(x: usize, xOff: i32, count: i32, c: i32, h: i32, w: i32, k: i32, stride: i32, padY: i32, padX: i32, oh: i32, ow: i32, col: usize): void {
  im2colRows(x, xOff, count, c, h, w, k, stride, padY, padX, oh, ow, col, 0, c * k * k);
}

/** Rows [r0, r1) of im2col's column matrix (row r = (ci·k + ky)·k + kx): threads split by rows. */
export function im2colRows(x: usize, xOff: i32, count: i32, c: i32, h: i32, w: i32, k: i32, stride: i32, padY: i32, padX: i32, oh: i32, ow: i32, col: usize, r0: i32, r1: i32): void {
  const plane = oh * ow;
  const cols = count * plane;
  const xb = x + (<usize>xOff << 2);
  const kk = k * k;
  for (let r = r0; r < r1; r++) {
    const ci = r / kk, ky = (r % kk) / k, kx = r % k;
    const row = col + ((<usize>r * <usize>cols) << 2);
    const lo = min(validLo(kx, padX, stride), ow);
    const hi = max(validHi(kx, padX, stride, w, ow), lo);
    if (stride == 1 && lo == 0 && hi == ow) {
      // the common case (a 'valid' convolution, or this kx inside the padding): every output row
      // that lies in the image is one contiguous copy, the others are zeros
      const oyLo = min(max(padY - ky, 0), oh), oyHi = max(min(h + padY - ky, oh), oyLo);
      const rowBytes = <usize>ow << 2, inRow = <usize>w << 2;
      for (let e = 0; e < count; e++) {
        const dst = row + (<usize>(e * plane) << 2);
        if (oyLo > 0) zeroFloats(dst, oyLo * ow);
        let s = xb + (<usize>((e * c + ci) * h * w + (oyLo + ky - padY) * w + kx - padX) << 2);
        let d = dst + <usize>oyLo * rowBytes;
        for (let oy = oyLo; oy < oyHi; oy++) {
          copyFloats(d, s, ow);
          s += inRow;
          d += rowBytes;
        }
        if (oyHi < oh) zeroFloats(dst + <usize>oyHi * rowBytes, (oh - oyHi) * ow);
      }
      continue;
    }
    for (let e = 0; e < count; e++) {
      const src = xb + (<usize>((e * c + ci) * h * w) << 2);
      const dst = row + (<usize>(e * plane) << 2);
      for (let oy = 0; oy < oh; oy++) {
        const iy = oy * stride + ky - padY;
        const d = dst + (<usize>(oy * ow) << 2);
        if (iy < 0 || iy >= h) {
          zeroFloats(d, ow);
          continue;
        }
        const s = src + (<usize>(iy * w) << 2);
        if (lo > 0) zeroFloats(d, lo);
        if (stride == 1) {
          copyFloats(d + (<usize>lo << 2), s + (<usize>(lo + kx - padX) << 2), hi - lo);
        } else {
          for (let ox = lo; ox < hi; ox++) store<f32>(d + (<usize>ox << 2), load<f32>(s + (<usize>(ox * stride + kx - padX) << 2)));
        }
        if (hi < ow) zeroFloats(d + (<usize>hi << 2), ow - hi);
      }
    }
  }
}

/**
 * im2col transposed: one patch a row, rows[(e·oh·ow + oy·ow + ox)·c·k·k + (ci·k + ky)·k + kx] =
 * x[e, ci, oy·stride + ky − padY, ox·stride + kx − padX] (0 outside the image).
 */
export function im2row(x: usize, xOff: i32, count: i32, c: i32, h: i32, w: i32, k: i32, stride: i32, padY: i32, padX: i32, oh: i32, ow: i32, rows: usize): void {
  const xb = x + (<usize>xOff << 2);
  const hw = h * w, patch = c * k * k, plane = oh * ow;
  const rowBytes = <usize>patch << 2, step = <usize>stride << 2;
  // the outputs ox in [lo, hi) whose window lies inside the row: x0 = ox·stride − padX >= 0 and x0 + k <= w
  const lo = min(validLo(0, padX, stride), ow), hi = max(validHi(k - 1, padX, stride, w, ow), lo);
  for (let e = 0; e < count; e++)
    for (let ci = 0; ci < c; ci++) {
      const src = xb + (<usize>((e * c + ci) * hw) << 2);
      for (let ky = 0; ky < k; ky++) {
        const at = (ci * k + ky) * k; // the run's first column in a row
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * stride + ky - padY;
          let d = rows + ((<usize>(e * plane + oy * ow) * <usize>patch + <usize>at) << 2);
          if (iy < 0 || iy >= h) {
            for (let ox = 0; ox < ow; ox++) { zeroFloats(d, k); d += rowBytes; }
            continue;
          }
          const s = src + (<usize>(iy * w) << 2);
          for (let ox = 0; ox < lo; ox++) { im2rowRun(d, s, ox * stride - padX, k, w); d += rowBytes; }
          // whole runs: straight-line copies for the usual kernel sizes (per-run overhead dominates)
          let r = s + (<usize>(lo * stride - padX) << 2);
          if (k == 5) {
            for (let ox = lo; ox < hi; ox++) {
              v128.store(d, v128.load(r));
              store<f32>(d, load<f32>(r, 16), 16);
              d += rowBytes; r += step;
            }
          } else if (k == 3) {
            for (let ox = lo; ox < hi; ox++) {
              store<u64>(d, load<u64>(r));
              store<f32>(d, load<f32>(r, 8), 8);
              d += rowBytes; r += step;
            }
          } else {
            for (let ox = lo; ox < hi; ox++) { copyFloats(d, r, k); d += rowBytes; r += step; }
          }
          for (let ox = hi; ox < ow; ox++) { im2rowRun(d, s, ox * stride - padX, k, w); d += rowBytes; }
        }
      }
    }
}

/** One run of im2row that reaches past the row's edge: dst[kx] = row[x0 + kx], 0 outside [0, w). */
function im2rowRun(d: usize, s: usize, x0: i32, k: i32, w: i32): void {
  for (let kx = 0; kx < k; kx++) {
    const ix = x0 + kx;
    store<f32>(d + (<usize>kx << 2), ix >= 0 && ix < w ? load<f32>(s + (<usize>ix << 2)) : 0);
  }
}

export function col2im(col: usize, count: i32, c: i32, h: i32, w: i32, k: i32, stride: i32, padY: i32, padX: i32, oh: i32, ow: i32, dx: usize, dxOff: i32): void {
  col2imChannels(col, count, c, h, w, k, stride, padY, padX, oh, ow, dx, dxOff, 0, c);
}

/**
 * col2im for input channels [c0, c1) only: those channels' planes of every example are written and
 * nothing else, so threads split by channels. Each pixel sums its windows in the same order
 * (ky, kx ascending) whatever the split.
 */
export function col2imChannels(col: usize, count: i32, c: i32, h: i32, w: i32, k: i32, stride: i32, padY: i32, padX: i32, oh: i32, ow: i32, dx: usize, dxOff: i32, c0: i32, c1: i32): void {
  const plane = oh * ow;
  const cols = count * plane;
  const hw = h * w;
  const db = dx + (<usize>dxOff << 2);
  for (let e = 0; e < count; e++) zeroFloats(db + (<usize>((e * c + c0) * hw) << 2), (c1 - c0) * hw);
  for (let ci = c0; ci < c1; ci++)
    for (let ky = 0; ky < k; ky++)
      for (let kx = 0; kx < k; kx++) {
        const row = col + ((<usize>((ci * k + ky) * k + kx) * <usize>cols) << 2);
        const lo = validLo(kx, padX, stride), hi = validHi(kx, padX, stride, w, ow);
        if (hi <= lo) continue;
        if (stride == 1) {
          // the output rows whose input row lies in the image, each one contiguous run of adds
          const oyLo = min(max(padY - ky, 0), oh), oyHi = max(min(h + padY - ky, oh), oyLo);
          const n = hi - lo, rowBytes = <usize>ow << 2, inRow = <usize>w << 2;
          for (let e = 0; e < count; e++) {
            let d = db + (<usize>((e * c + ci) * hw + (oyLo + ky - padY) * w + lo + kx - padX) << 2);
            let s = row + (<usize>(e * plane + oyLo * ow + lo) << 2);
            for (let oy = oyLo; oy < oyHi; oy++) {
              addInto(d, s, n);
              d += inRow;
              s += rowBytes;
            }
          }
          continue;
        }
        for (let e = 0; e < count; e++) {
          const dst = db + (<usize>((e * c + ci) * hw) << 2);
          const src = row + (<usize>(e * plane) << 2);
          for (let oy = 0; oy < oh; oy++) {
            const iy = oy * stride + ky - padY;
            if (iy < 0 || iy >= h) continue;
            const d = dst + (<usize>(iy * w) << 2);
            const s = src + (<usize>(oy * ow) << 2);
            if (stride == 1) {
              addInto(d + (<usize>(lo + kx - padX) << 2), s + (<usize>lo << 2), hi - lo);
            } else {
              for (let ox = lo; ox < hi; ox++) {
                const p = d + (<usize>(ox * stride + kx - padX) << 2);
                store<f32>(p, load<f32>(p) + load<f32>(s + (<usize>ox << 2)));
              }
            }
          }
        }
      }
}

export function channelsToBatch(src: usize, count: i32, channels: i32, plane: i32, dst: usize, dstOff: i32): void {
  const bytes = <usize>plane << 2;
  const db = dst + (<usize>dstOff << 2);
  for (let ch = 0; ch < channels; ch++)
    for (let e = 0; e < count; e++)
      copyFloats(db + <usize>(e * channels + ch) * bytes, src + <usize>(ch * count + e) * bytes, plane);
}

export function batchToChannels(src: usize, srcOff: i32, count: i32, channels: i32, plane: i32, dst: usize): void {
  const bytes = <usize>plane << 2;
  const sb = src + (<usize>srcOff << 2);
  for (let ch = 0; ch < channels; ch++)
    for (let e = 0; e < count; e++)
      copyFloats(dst + <usize>(ch * count + e) * bytes, sb + <usize>(e * channels + ch) * bytes, plane);
}

export function addChannelBias(x: usize, bias: usize, rows: i32, channels: i32, plane: i32): void {
  const p4 = plane & ~3, t = plane - p4, e = <usize>p4 << 2;
  for (let r = 0; r < rows; r++)
    for (let ch = 0; ch < channels; ch++) {
      const o = x + ((<usize>((r * channels + ch) * plane)) << 2);
      const b = v128.load32_splat(bias + (<usize>ch << 2));
      for (let q: usize = 0; q < e; q += 16) v128.store(o + q, f32x4.add(v128.load(o + q), b));
      if (t) storePartial(o + e, f32x4.add(loadPartial(o + e, t), b), t);
    }
}

export function channelSums(x: usize, rows: i32, channels: i32, plane: i32, out: usize, accumulate: bool): void {
  if (!accumulate) memory.fill(out, 0, <usize>channels << 2);
  const p4 = plane & ~3, t = plane - p4, e = <usize>p4 << 2;
  for (let r = 0; r < rows; r++)
    for (let ch = 0; ch < channels; ch++) {
      const o = x + ((<usize>((r * channels + ch) * plane)) << 2);
      let s = f32x4.splat(0);
      for (let q: usize = 0; q < e; q += 16) s = f32x4.add(s, v128.load(o + q));
      if (t) s = f32x4.add(s, loadPartial(o + e, t));
      const h = f32x4.add(s, v128.shuffle<f32>(s, s, 2, 3, 0, 1));
      const po = out + (<usize>ch << 2);
      store<f32>(po, load<f32>(po) + (f32x4.extract_lane(h, 0) + f32x4.extract_lane(h, 1)));
    }
}

export function maxpoolForward(x: usize, planes: i32, h: i32, w: i32, size: i32, stride: i32, oh: i32, ow: i32, y: usize, arg: usize): void {
  if (size == 2 && stride == 2) {
    maxpool2x2(x, planes, h, w, oh, ow, y, arg);
    return;
  }
  for (let pl = 0; pl < planes; pl++) {
    const xi = x + (<usize>(pl * h * w) << 2);
    const yo = <usize>(pl * oh * ow) << 2;
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        let best: f32 = -Infinity;
        let at = 0;
        for (let dy = 0; dy < size; dy++) {
          const r = (oy * stride + dy) * w + ox * stride;
          for (let dx = 0; dx < size; dx++) {
            const v = load<f32>(xi + (<usize>(r + dx) << 2));
            if (v > best) {
              best = v;
              at = r + dx;
            }
          }
        }
        const o = yo + (<usize>(oy * ow + ox) << 2);
        store<f32>(y + o, best);
        store<f32>(arg + o, <f32>at);
      }
  }
}

/**
 * 2×2 windows moved by 2, four outputs at a time: the same result as the general loop (the
 * first maximum in the order (0,0), (0,1), (1,0), (1,1), found with strict '>' from −∞).
 */
function maxpool2x2(x: usize, planes: i32, h: i32, w: i32, oh: i32, ow: i32, y: usize, arg: usize): void {
  const ow4 = ow & ~3;
  const lane = i32x4(0, 2, 4, 6);
  for (let pl = 0; pl < planes; pl++) {
    const xi = x + (<usize>(pl * h * w) << 2);
    const yo = <usize>(pl * oh * ow) << 2;
    for (let oy = 0; oy < oh; oy++) {
      const r0 = 2 * oy * w;
      const p0 = xi + (<usize>r0 << 2), p1 = p0 + (<usize>w << 2);
      const o = yo + (<usize>(oy * ow) << 2);
      let ox = 0;
      for (; ox < ow4; ox += 4) {
        const q = <usize>(2 * ox) << 2;
        const t0 = v128.load(p0 + q), t1 = v128.load(p0 + q, 16);
        const u0 = v128.load(p1 + q), u1 = v128.load(p1 + q, 16);
        // the four candidates of four windows, each as one vector
        const a = v128.shuffle<f32>(t0, t1, 0, 2, 4, 6), b = v128.shuffle<f32>(t0, t1, 1, 3, 5, 7);
        const c = v128.shuffle<f32>(u0, u1, 0, 2, 4, 6), d = v128.shuffle<f32>(u0, u1, 1, 3, 5, 7);
        const ia = i32x4.add(i32x4.splat(r0 + 2 * ox), lane);
        let best = f32x4.splat(-Infinity), at = i32x4.splat(0);
        let gt = f32x4.gt(a, best);
        best = v128.bitselect(a, best, gt); at = v128.bitselect(ia, at, gt);
        gt = f32x4.gt(b, best);
        best = v128.bitselect(b, best, gt); at = v128.bitselect(i32x4.add(ia, i32x4.splat(1)), at, gt);
        gt = f32x4.gt(c, best);
        best = v128.bitselect(c, best, gt); at = v128.bitselect(i32x4.add(ia, i32x4.splat(w)), at, gt);
        gt = f32x4.gt(d, best);
        best = v128.bitselect(d, best, gt); at = v128.bitselect(i32x4.add(ia, i32x4.splat(w + 1)), at, gt);
        const oo = o + (<usize>ox << 2);
        v128.store(y + oo, best);
        v128.store(arg + oo, f32x4.convert_i32x4_s(at));
      }
      for (; ox < ow; ox++) {
        let best: f32 = -Infinity;
        let at = 0;
        for (let dy = 0; dy < 2; dy++) {
          const r = (2 * oy + dy) * w + 2 * ox;
          for (let dx = 0; dx < 2; dx++) {
            const v = load<f32>(xi + (<usize>(r + dx) << 2));
            if (v > best) {
              best = v;
              at = r + dx;
            }
          }
        }
        const oo = o + (<usize>ox << 2);
        store<f32>(y + oo, best);
        store<f32>(arg + oo, <f32>at);
      }
    }
  }
}

export function maxpoolBackward(dy: usize, arg: usize, planes: i32, h: i32, w: i32, oh: i32, ow: i32, dx: usize): void {
  const hw = h * w, ohw = oh * ow;
  memory.fill(dx, 0, <usize>(planes * hw) << 2);
  for (let pl = 0; pl < planes; pl++) {
    const dxp = dx + (<usize>(pl * hw) << 2);
    const base = <usize>(pl * ohw) << 2;
    for (let o = 0; o < ohw; o++) {
      const off = base + (<usize>o << 2);
      const p = dxp + (<usize>(<i32>load<f32>(arg + off)) << 2);
      store<f32>(p, load<f32>(p) + load<f32>(dy + off));
    }
  }
}

export function avgpoolForward(x: usize, planes: i32, h: i32, w: i32, size: i32, stride: i32, oh: i32, ow: i32, y: usize): void {
  const inv: f32 = <f32>1 / <f32>(size * size);
  for (let pl = 0; pl < planes; pl++) {
    const xi = x + (<usize>(pl * h * w) << 2);
    const yo = y + (<usize>(pl * oh * ow) << 2);
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        let s: f32 = 0;
        for (let dy = 0; dy < size; dy++) {
          const r = xi + (<usize>((oy * stride + dy) * w + ox * stride) << 2);
          for (let dx = 0; dx < size; dx++) s += load<f32>(r + (<usize>dx << 2));
        }
        store<f32>(yo + (<usize>(oy * ow + ox) << 2), s * inv);
      }
  }
}

export function avgpoolBackward(dy: usize, planes: i32, h: i32, w: i32, size: i32, stride: i32, oh: i32, ow: i32, dx: usize): void {
  const inv: f32 = <f32>1 / <f32>(size * size);
  memory.fill(dx, 0, <usize>(planes * h * w) << 2);
  for (let pl = 0; pl < planes; pl++) {
    const xi = dx + (<usize>(pl * h * w) << 2);
    const yo = dy + (<usize>(pl * oh * ow) << 2);
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        const g = load<f32>(yo + (<usize>(oy * ow + ox) << 2)) * inv;
        for (let ddy = 0; ddy < size; ddy++) {
          const r = xi + (<usize>((oy * stride + ddy) * w + ox * stride) << 2);
          for (let ddx = 0; ddx < size; ddx++) {
            const p = r + (<usize>ddx << 2);
            store<f32>(p, load<f32>(p) + g);
          }
        }
      }
  }
}
