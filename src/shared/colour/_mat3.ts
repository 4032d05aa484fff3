/**
 * The 3×3 matrix products, inverse and Cholesky factor that colour matching needs, in double
 * precision over the nested `number[][]` matrices of metrics/colour.ts (whose colourMoments()
 * and sqrtm3() the matching reuses rather than repeats).
 */

export type Mat3 = number[][];

export const mul3 = (a: Mat3, b: Mat3): Mat3 =>
  a.map((r) => [0, 1, 2].map((j) => r[0] * b[0][j] + r[1] * b[1][j] + r[2] * b[2][j]));

/** Inverse by the adjugate; throws on a singular matrix. */
export function inv3(m: Mat3): Mat3 {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-300) throw new RangeError("Singular 3x3 matrix");
  return [
    [A / det, -(b * i - c * h) / det, (b * f - c * e) / det],
    [B / det, (a * i - c * g) / det, -(a * f - c * d) / det],
    [C / det, -(a * h - b * g) / det, (a * e - b * d) / det],
  ];
}

/** Lower-triangular L with L·Lᵀ = m, for symmetric positive definite m. */
export function cholesky3(m: Mat3): Mat3 {
  const l = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j <= i; j++) {
      let s = m[i][j];
      for (let k = 0; k < j; k++) s -= l[i][k] * l[j][k];
      l[i][j] = i === j ? Math.sqrt(Math.max(s, 0)) : s / l[j][j];
    }
  }
  return l;
}
