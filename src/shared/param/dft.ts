/**
 * The 2-D real discrete Fourier transform as matrix products. tfjs 4.22 registers no gradient
 * for its FFT kernels (and the WASM backend has no FFT kernel at all), but matMul, transpose and
 * reshape have gradients everywhere, so this is what the Fourier parameterisation
 * differentiates through. At the sizes used here (<= 512 px) the [h, h] and [w, w/2 + 1]
 * matrices are cheap.
 *
 * Layout follows numpy's rfft2 / irfft2: the spectrum X[ky, kx] has h rows and
 * n = floor(w / 2) + 1 columns (the non-negative x frequencies).
 */
import * as tf from "@tensorflow/tfjs-core";

/** Forward and inverse real 2-D DFT of one size, over a leading channel axis. */
export interface RealDft2d {
  readonly height: number;
  readonly width: number;
  /** Number of x frequencies kept: floor(width / 2) + 1. */
  readonly bins: number;
  /** x [c, h, w] to the half spectrum { re, im } [c, h, bins] (numpy rfft2). Caller disposes. */
  forward(x: tf.Tensor3D): { re: tf.Tensor3D; im: tf.Tensor3D };
  /** Half spectrum [c, h, bins] to x [c, h, w] (numpy irfft2); differentiable. Caller disposes. */
  inverse(re: tf.Tensor3D, im: tf.Tensor3D): tf.Tensor3D;
  dispose(): void;
}

/** cos and sin of 2 pi j k / n; the product is reduced mod n first to keep float64 exact. */
function trig(j: number, k: number, n: number): [number, number] {
  const angle = (2 * Math.PI * ((j * k) % n)) / n;
  return [Math.cos(angle), Math.sin(angle)];
}

/** Builds the DFT matrices of one size once; the caller disposes the result. */
export function createRealDft2d(height: number, width: number): RealDft2d {
  const h = height, w = width, n = Math.floor(w / 2) + 1;
  // Along y, the full complex DFT: C_h[y, ky] = cos(2 pi y ky / h), S_h likewise (symmetric).
  const ch = new Float32Array(h * h), sh = new Float32Array(h * h);
  for (let y = 0; y < h; y++) {
    for (let k = 0; k < h; k++) [ch[y * h + k], sh[y * h + k]] = trig(y, k, h);
  }
  // Along x, forward: P[y, kx] = sum_u x[y, u] e^{-2 pi i kx u / w}, matrices [w, n].
  // Inverse (numpy irfft): x[u] = 1/w sum_kx c_kx Re(Z[kx] e^{+2 pi i kx u / w}) with c_kx = 1
  // for the DC bin and, when w is even, the Nyquist bin (they have no mirror image), else 2.
  // The 1/h of the y inverse is folded in too, so the matrices are [n, w] scaled by c/(h w).
  const cwf = new Float32Array(w * n), swf = new Float32Array(w * n);
  const cwi = new Float32Array(n * w), swi = new Float32Array(n * w);
  for (let k = 0; k < n; k++) {
    const c = (k === 0 || 2 * k === w ? 1 : 2) / (h * w);
    for (let u = 0; u < w; u++) {
      const [cos, sin] = trig(k, u, w);
      cwf[u * n + k] = cos;
      swf[u * n + k] = sin;
      cwi[k * w + u] = c * cos;
      swi[k * w + u] = c * sin;
    }
  }
  const consts = {
    ch: tf.tensor2d(ch, [h, h]),
    sh: tf.tensor2d(sh, [h, h]),
    cwf: tf.tensor2d(cwf, [w, n]),
    swf: tf.tensor2d(swf, [w, n]),
    cwi: tf.tensor2d(cwi, [n, w]),
    swi: tf.tensor2d(swi, [n, w]),
  };
  // [c, h, k] <-> [h, c * k]: puts every channel's columns side by side for one y matMul.
  const toRows = (t: tf.Tensor3D) => {
    const [c, , k] = t.shape;
    return tf.reshape(tf.transpose(t, [1, 0, 2]), [h, c * k]);
  };
  const fromRows = (t: tf.Tensor, c: number, k: number) =>
    tf.transpose(tf.reshape(t, [h, c, k]), [1, 0, 2]) as tf.Tensor3D;

  return {
    height: h,
    width: w,
    bins: n,
    forward(x) {
      return tf.tidy(() => {
        const c = x.shape[0];
        const rows = tf.reshape(x, [c * h, w]);
        // Along x: P = x e^{-i theta}: re = x cos, im = -x sin.
        const pRe = toRows(tf.reshape(tf.matMul(rows, consts.cwf), [c, h, n]));
        const pIm = toRows(tf.reshape(tf.neg(tf.matMul(rows, consts.swf)), [c, h, n]));
        // Along y: X = sum_y P (cos - i sin) = (C Pre + S Pim) + i (C Pim - S Pre).
        const re = tf.add(tf.matMul(consts.ch, pRe), tf.matMul(consts.sh, pIm));
        const im = tf.sub(tf.matMul(consts.ch, pIm), tf.matMul(consts.sh, pRe));
        return { re: fromRows(re, c, n), im: fromRows(im, c, n) };
      });
    },
    inverse(re, im) {
      return tf.tidy(() => {
        const c = re.shape[0];
        const a = toRows(re), b = toRows(im);
        // Along y: Z = sum_ky X (cos + i sin) = (C A - S B) + i (S A + C B).
        const zRe = fromRows(tf.sub(tf.matMul(consts.ch, a), tf.matMul(consts.sh, b)), c, n);
        const zIm = fromRows(tf.add(tf.matMul(consts.sh, a), tf.matMul(consts.ch, b)), c, n);
        // Along x: Re(Z e^{+i theta}) = Zre cos - Zim sin.
        const x = tf.sub(
          tf.matMul(tf.reshape(zRe, [c * h, n]), consts.cwi),
          tf.matMul(tf.reshape(zIm, [c * h, n]), consts.swi),
        );
        return tf.reshape(x, [c, h, w]);
      });
    },
    dispose: () => Object.values(consts).forEach((t) => t.dispose()),
  };
}
