/**
 * Colour-distribution distances between two images' RGB pixels (host arrays of length 3·n,
 * values in [0, 1]): the 2-Wasserstein distance between fitted Gaussians, and a sliced
 * Wasserstein distance over seeded random directions.
 */
import { createRng } from "../random.ts";

type Mat3 = number[][];

/** Mean and covariance of RGB pixels. */
export function colourMoments(rgb: ArrayLike<number>): { mean: number[]; cov: Mat3 } {
  const n = rgb.length / 3;
  if (!Number.isInteger(n) || n < 2) {
    throw new RangeError(`Expected RGB pixels, got ${rgb.length} values`);
  }
  const mean = [0, 0, 0];
  for (let i = 0; i < rgb.length; i += 3) for (let c = 0; c < 3; c++) mean[c] += rgb[i + c] / n;
  const cov = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  for (let i = 0; i < rgb.length; i += 3) {
    for (let a = 0; a < 3; a++) {
      for (let b = a; b < 3; b++) cov[a][b] += (rgb[i + a] - mean[a]) * (rgb[i + b] - mean[b]) / n;
    }
  }
  for (let a = 0; a < 3; a++) for (let b = 0; b < a; b++) cov[a][b] = cov[b][a];
  return { mean, cov };
}

/** Eigen-decomposition of a symmetric 3x3 matrix by Jacobi rotations. */
function eigSym(m: Mat3): { values: number[]; vectors: Mat3 } {
  const a = m.map((r) => [...r]);
  const v = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = a[0][1] ** 2 + a[0][2] ** 2 + a[1][2] ** 2;
    if (off < 1e-30) break;
    for (const [p, q] of [[0, 1], [0, 2], [1, 2]]) {
      if (Math.abs(a[p][q]) < 1e-300) continue;
      const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      for (let k = 0; k < 3; k++) {
        const akp = a[k][p];
        const akq = a[k][q];
        a[k][p] = c * akp - s * akq;
        a[k][q] = s * akp + c * akq;
      }
      for (let k = 0; k < 3; k++) {
        const apk = a[p][k];
        const aqk = a[q][k];
        a[p][k] = c * apk - s * aqk;
        a[q][k] = s * apk + c * aqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = v[k][p];
        const vkq = v[k][q];
        v[k][p] = c * vkp - s * vkq;
        v[k][q] = s * vkp + c * vkq;
      }
    }
  }
  return { values: [a[0][0], a[1][1], a[2][2]], vectors: v };
}

const mul = (a: Mat3, b: Mat3): Mat3 =>
  a.map((r) => [0, 1, 2].map((j) => r[0] * b[0][j] + r[1] * b[1][j] + r[2] * b[2][j]));

/** Square root of a symmetric positive semi-definite 3x3 matrix. */
export function sqrtm3(m: Mat3): Mat3 {
  const { values, vectors } = eigSym(m);
  const d = values.map((x) => Math.sqrt(Math.max(x, 0)));
  const vd = vectors.map((r) => r.map((x, j) => x * d[j]));
  const vt = [0, 1, 2].map((i) => [0, 1, 2].map((j) => vectors[j][i]));
  return mul(vd, vt);
}

/**
 * 2-Wasserstein distance between Gaussians N(m1, S1) and N(m2, S2) fitted to two images' RGB:
 * W² = |m1 - m2|² + tr(S1 + S2 - 2 (S2^½ S1 S2^½)^½)   (Dowson & Landau 1982).
 */
export function gaussianW2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const p = colourMoments(a);
  const q = colourMoments(b);
  const s2 = sqrtm3(q.cov);
  const cross = sqrtm3(mul(mul(s2, p.cov), s2));
  let w2 = 0;
  for (let c = 0; c < 3; c++) {
    w2 += (p.mean[c] - q.mean[c]) ** 2 + p.cov[c][c] + q.cov[c][c] - 2 * cross[c][c];
  }
  return Math.sqrt(Math.max(w2, 0));
}

/**
 * Sliced Wasserstein-1 distance: the mean over `directions` seeded random unit directions of
 * the 1-D Wasserstein distance between the projected pixel distributions, compared at
 * `quantiles` evenly spaced quantiles (so images of different sizes compare).
 */
export function slicedWasserstein(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  opts: { directions?: number; quantiles?: number; seed?: number } = {},
): number {
  const rng = createRng(opts.seed ?? 1);
  const k = opts.directions ?? 32;
  const nq = opts.quantiles ?? 256;
  const project = (px: ArrayLike<number>, d: number[]) => {
    const out = new Float64Array(px.length / 3);
    for (let i = 0, j = 0; i < px.length; i += 3, j++) {
      out[j] = px[i] * d[0] + px[i + 1] * d[1] + px[i + 2] * d[2];
    }
    return out.sort();
  };
  const quantile = (sorted: Float64Array, q: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  let total = 0;
  for (let i = 0; i < k; i++) {
    const d = [rng.normal(), rng.normal(), rng.normal()];
    const norm = Math.hypot(...d) || 1;
    const u = d.map((x) => x / norm);
    const pa = project(a, u);
    const pb = project(b, u);
    let w = 0;
    for (let j = 0; j < nq; j++) {
      const q = (j + 0.5) / nq;
      w += Math.abs(quantile(pa, q) - quantile(pb, q));
    }
    total += w / nq;
  }
  return total / k;
}
