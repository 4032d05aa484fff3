/**
 * 3×3 matrix arithmetic in double precision for colour statistics (row-major `number[]` of
 * 9): small enough that plain loops beat tensors, and exact enough that a colour map built
 * here reproduces the target covariance to float32 precision.
 */

export type Mat3 = number[];

export function mul3(a: Mat3, b: Mat3): Mat3 {
  const out = new Array(9).fill(0);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      for (let k = 0; k < 3; k++) out[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j];
    }
  }
  return out;
}

export function transpose3(a: Mat3): Mat3 {
  return [a[0], a[3], a[6], a[1], a[4], a[7], a[2], a[5], a[8]];
}

/** Inverse by the adjugate; throws on a singular matrix. */
export function inv3(m: Mat3): Mat3 {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-300) throw new RangeError("Singular 3x3 matrix");
  return [
    A / det,
    -(b * i - c * h) / det,
    (b * f - c * e) / det,
    B / det,
    (a * i - c * g) / det,
    -(a * f - c * d) / det,
    C / det,
    -(a * h - b * g) / det,
    (a * e - b * d) / det,
  ];
}

/** Lower-triangular L with L·Lᵀ = m, for symmetric positive definite m. */
export function cholesky3(m: Mat3): Mat3 {
  const l = new Array(9).fill(0);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j <= i; j++) {
      let s = m[i * 3 + j];
      for (let k = 0; k < j; k++) s -= l[i * 3 + k] * l[j * 3 + k];
      l[i * 3 + j] = i === j ? Math.sqrt(Math.max(s, 0)) : s / l[j * 3 + j];
    }
  }
  return l;
}

/** Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: m = V·diag(λ)·Vᵀ. */
export function eigSym3(m: Mat3): { values: number[]; vectors: Mat3 } {
  const a = [...m];
  let v: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = a[1] ** 2 + a[2] ** 2 + a[5] ** 2;
    if (off < 1e-30) break;
    for (const [p, q] of [[0, 1], [0, 2], [1, 2]]) {
      const apq = a[p * 3 + q];
      if (Math.abs(apq) < 1e-300) continue;
      const theta = (a[q * 3 + q] - a[p * 3 + p]) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1), s = t * c;
      const r: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];
      r[p * 3 + p] = c, r[q * 3 + q] = c, r[p * 3 + q] = s, r[q * 3 + p] = -s;
      const next = mul3(transpose3(r), mul3(a, r));
      for (let k = 0; k < 9; k++) a[k] = next[k];
      v = mul3(v, r);
    }
  }
  return { values: [a[0], a[4], a[8]], vectors: v };
}

/** `m^power` of a symmetric positive definite matrix, through its eigen-decomposition. */
export function powSym3(m: Mat3, power: number): Mat3 {
  const { values, vectors } = eigSym3(m);
  const d = values.map((x) => Math.max(x, 0) ** power);
  const vd = vectors.map((x, k) => x * d[k % 3]);
  return mul3(vd, transpose3(vectors));
}
