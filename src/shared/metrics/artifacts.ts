/**
 * Artifact energy: how much of an image's spectral energy sits at high frequencies, where the
 * checkerboard and fine-noise artifacts of non-robust networks live. Computed on luminance
 * with an exact 2-D DFT (separable, host arrays; fine at the 256 px the experiment scores at).
 */

/** Spectral energy shares of one image (DC excluded from the total). */
export interface SpectrumShares {
  /** Share of energy in the Nyquist row and column (period-2 checkerboard). */
  nyquist: number;
  /** Share of energy above half-Nyquist along either axis. */
  high: number;
}

/** Luminance (Rec. 601) of RGB pixels in [0, 1]. */
function luminance(rgb: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rgb.length / 3);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j++) {
    out[j] = 0.299 * rgb[i] + 0.587 * rgb[i + 1] + 0.114 * rgb[i + 2];
  }
  return out;
}

/** |DFT|² of a real h x w signal, row-major. */
function powerSpectrum(x: Float64Array, h: number, w: number): Float64Array {
  const re = new Float64Array(h * w);
  const im = new Float64Array(h * w);
  // Rows first.
  const cosW = Float64Array.from({ length: w }, (_, k) => Math.cos((2 * Math.PI * k) / w));
  const sinW = Float64Array.from({ length: w }, (_, k) => Math.sin((2 * Math.PI * k) / w));
  for (let r = 0; r < h; r++) {
    for (let u = 0; u < w; u++) {
      let sr = 0;
      let si = 0;
      for (let c = 0; c < w; c++) {
        const k = (u * c) % w;
        sr += x[r * w + c] * cosW[k];
        si -= x[r * w + c] * sinW[k];
      }
      re[r * w + u] = sr;
      im[r * w + u] = si;
    }
  }
  const cosH = Float64Array.from({ length: h }, (_, k) => Math.cos((2 * Math.PI * k) / h));
  const sinH = Float64Array.from({ length: h }, (_, k) => Math.sin((2 * Math.PI * k) / h));
  const power = new Float64Array(h * w);
  for (let u = 0; u < w; u++) {
    for (let v = 0; v < h; v++) {
      let sr = 0;
      let si = 0;
      for (let r = 0; r < h; r++) {
        const k = (v * r) % h;
        const a = re[r * w + u];
        const b = im[r * w + u];
        // (a + ib)(cos - i sin)
        sr += a * cosH[k] + b * sinH[k];
        si += b * cosH[k] - a * sinH[k];
      }
      power[v * w + u] = sr * sr + si * si;
    }
  }
  return power;
}

/** Spectral shares of an RGB image of `height` x `width` pixels. */
export function spectrumShares(
  rgb: ArrayLike<number>,
  height: number,
  width: number,
): SpectrumShares {
  if (rgb.length !== height * width * 3) {
    throw new RangeError(`Expected ${height}x${width}x3 values, got ${rgb.length}`);
  }
  const p = powerSpectrum(luminance(rgb), height, width);
  // Frequency index k in [0, n) has |frequency| = min(k, n - k) / n cycles per pixel.
  const f = (k: number, n: number) => Math.min(k, n - k) / n;
  let total = 0;
  let nyq = 0;
  let high = 0;
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      if (u === 0 && v === 0) continue;
      const e = p[v * width + u];
      total += e;
      const fu = f(u, width);
      const fv = f(v, height);
      if ((width % 2 === 0 && u === width / 2) || (height % 2 === 0 && v === height / 2)) nyq += e;
      if (fu > 0.25 || fv > 0.25) high += e;
    }
  }
  return { nyquist: nyq / (total || 1), high: high / (total || 1) };
}

/**
 * Artifact energy of an output relative to its content photo: the ratios of the output's
 * Nyquist and above-half-Nyquist energy shares to the content image's (1 = as smooth as the
 * photo, larger = more high-frequency energy).
 */
export function artifactEnergy(
  output: ArrayLike<number>,
  content: ArrayLike<number>,
  height: number,
  width: number,
): SpectrumShares {
  const o = spectrumShares(output, height, width);
  const c = spectrumShares(content, height, width);
  return { nyquist: o.nyquist / (c.nyquist || 1e-12), high: o.high / (c.high || 1e-12) };
}
