/**
 * Fourier parameterisation (Mordvintsev et al. 2018, "Differentiable Image Parameterizations",
 * section on the Fourier basis; lucid param/spatial.py `fft_image`). The parameters are the
 * real and imaginary parts of each channel's half spectrum, scaled so that every frequency
 * starts with roughly equal energy in the image: gradient steps then no longer favour the
 * high frequencies, which is what makes non-VGG networks paint instead of adding noise.
 *
 * toImage: spectrum * scale -> inverse real DFT (matMul, see dft.ts) -> optional colour
 * decorrelation -> sigmoid. fromImage inverts each step (logit, inverse colour, forward DFT,
 * divide by scale), so toImage(fromImage(x)) = x for x inside (0, 1).
 */
import * as tf from "@tensorflow/tfjs-core";
import { createColorDecorrelation, logit } from "./color.ts";
import { createRealDft2d } from "./dft.ts";
import { checkFlat, checkImage, checkSize, type Parameterization } from "./parameterization.ts";

/** Options of fourierParam(). */
export interface FourierParamOptions {
  /** Apply the decorrelated colour map before the sigmoid (default false). */
  decorrelate?: boolean;
  /** Exponent of the 1/f spectrum scaling (lucid `decay_power`, default 1). */
  decayPower?: number;
}

/** numpy `fftfreq(n)[k]`: k / n for k < ceil(n / 2), else (k - n) / n. */
function fftfreq(k: number, n: number): number {
  return (k < Math.ceil(n / 2) ? k : k - n) / n;
}

/**
 * lucid `rfft2d_freqs`: |f| = sqrt(fy^2 + fx^2) for each bin of the [h, floor(w/2) + 1] half
 * spectrum, row-major.
 */
export function rfft2dFreqs(height: number, width: number): Float64Array {
  const n = Math.floor(width / 2) + 1;
  const out = new Float64Array(height * n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < n; x++) out[y * n + x] = Math.hypot(fftfreq(y, height), x / width);
  }
  return out;
}

/**
 * lucid's spectrum scale: 1 / max(|f|, 1 / max(h, w))^decay * sqrt(h w), then the image is
 * divided by lucid's "magic" 4; both constants are folded into this one [h, bins] tensor.
 * Caller disposes.
 */
function spectrumScale(height: number, width: number, decayPower: number): tf.Tensor2D {
  const freqs = rfft2dFreqs(height, width);
  const floor = 1 / Math.max(height, width);
  const scale = new Float32Array(freqs.length);
  for (let i = 0; i < freqs.length; i++) {
    scale[i] = Math.sqrt(height * width) / 4 / Math.max(freqs[i], floor) ** decayPower;
  }
  return tf.tensor2d(scale, [height, Math.floor(width / 2) + 1]);
}

/**
 * Fourier parameterisation of an image of `height` x `width`; the caller disposes it.
 *
 * The flat vector is laid out [2, 3, h, bins] (real then imaginary part, then channel, as
 * lucid's [2, ch, h, fw]), with bins = floor(w / 2) + 1. Unlike lucid, odd widths use the exact
 * bins of width w rather than one spare bin and a crop. The map is onto but not one-to-one (the
 * imaginary parts of the self-conjugate bins do not reach the image); fromImage returns the
 * preimage numpy's rfft2 would.
 */
export function fourierParam(
  height: number,
  width: number,
  options: FourierParamOptions = {},
): Parameterization {
  checkSize(height, width);
  const decayPower = options.decayPower ?? 1;
  if (!Number.isFinite(decayPower) || decayPower < 0) {
    throw new RangeError(`decayPower is ${decayPower}: expected a finite number >= 0`);
  }
  const dft = createRealDft2d(height, width);
  const bins = dft.bins;
  const part = 3 * height * bins;
  const size = 2 * part;
  const scale = spectrumScale(height, width, decayPower);
  const color = options.decorrelate ? createColorDecorrelation() : undefined;

  return {
    height,
    width,
    size,
    toImage(flat) {
      checkFlat(flat, size);
      return tf.tidy(() => {
        const re = tf.mul(tf.reshape(tf.slice(flat, 0, part), [3, height, bins]), scale);
        const im = tf.mul(tf.reshape(tf.slice(flat, part, part), [3, height, bins]), scale);
        const chw = dft.inverse(re as tf.Tensor3D, im as tf.Tensor3D);
        const t = tf.reshape(tf.transpose(chw, [1, 2, 0]), [1, height, width, 3]) as tf.Tensor4D;
        return tf.sigmoid(color ? color.forward(t) : t);
      });
    },
    fromImage(image) {
      checkImage(image, height, width);
      return tf.tidy(() => {
        const t = color ? color.inverse(logit(image)) : logit(image);
        const chw = tf.transpose(tf.reshape(t, [height, width, 3]), [2, 0, 1]) as tf.Tensor3D;
        const { re, im } = dft.forward(chw);
        return tf.concat([
          tf.reshape(tf.div(re, scale), [part]),
          tf.reshape(tf.div(im, scale), [part]),
        ]) as tf.Tensor1D;
      });
    },
    dispose() {
      dft.dispose();
      scale.dispose();
      color?.dispose();
    },
  };
}
