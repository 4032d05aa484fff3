/**
 * Rotation by bilinear sampling (lucid transform.random_rotate, angles in degrees). Each
 * output pixel reads the rotated position in the input, centred on the image centre, from its
 * four neighbours; samples that fall outside the image read `fill`. For a fixed size and angle
 * that is a fixed sparse linear map, applied with gather and differentiated with its transpose
 * (see _sparse.ts), because tfjs's rotateWithOffset has no gradient.
 *
 * Positive angles turn the picture counter-clockwise as displayed (y pointing down).
 */
import * as tf from "@tensorflow/tfjs-core";
import { applySparse, type SparseMap, sparseMap } from "./_sparse.ts";
import type { Transform } from "./transform.ts";

/** Options of rotate() and randomRotate(). */
export interface RotateOptions {
  /** Value read outside the image (default 0.5, grey as pad's default). */
  fill?: number;
}

interface RotationMap {
  map: SparseMap;
  /** Per output pixel, the bilinear weight that fell outside the image. */
  outside: Float32Array;
}

/** Sub-pixel offsets this close to a whole pixel are snapped, so 90 degrees is exact. */
const SNAP = 1e-6;
const snap = (v: number) => Math.abs(v - Math.round(v)) < SNAP ? Math.round(v) : v;

function rotationMap(h: number, w: number, degrees: number): RotationMap {
  const theta = (degrees * Math.PI) / 180;
  const cos = Math.cos(theta), sin = Math.sin(theta);
  const cy = (h - 1) / 2, cx = (w - 1) / 2;
  // At most four neighbours per output pixel.
  const row = new Int32Array(4 * h * w), col = new Int32Array(4 * h * w);
  const weight = new Float64Array(4 * h * w);
  let count = 0;
  const outside = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Inverse map of a counter-clockwise turn on screen (y down): the source of output
      // (x, y) is c + [[cos, -sin], [sin, cos]] (p - c).
      const dx = x - cx, dy = y - cy;
      const sx = snap(cx + dx * cos - dy * sin);
      const sy = snap(cy + dx * sin + dy * cos);
      const x0 = Math.floor(sx), y0 = Math.floor(sy);
      const fx = sx - x0, fy = sy - y0;
      const p = y * w + x;
      for (let corner = 0; corner < 4; corner++) {
        const yy = y0 + (corner >> 1), xx = x0 + (corner & 1);
        const wt = (corner >> 1 ? fy : 1 - fy) * (corner & 1 ? fx : 1 - fx);
        if (wt === 0) continue;
        if (yy < 0 || yy >= h || xx < 0 || xx >= w) {
          outside[p] += wt;
        } else {
          row[count] = p;
          col[count] = yy * w + xx;
          weight[count++] = wt;
        }
      }
    }
  }
  const map = sparseMap(h * w, h * w, {
    row: row.subarray(0, count),
    col: col.subarray(0, count),
    weight: weight.subarray(0, count),
  });
  return { map, outside };
}

/** Maps per image size and angle; plain arrays, so nothing needs disposing. */
const cache = new Map<string, RotationMap>();
const CACHE_LIMIT = 64;

function cachedRotationMap(h: number, w: number, degrees: number): RotationMap {
  const key = `${h}x${w}@${degrees}`;
  let entry = cache.get(key);
  if (!entry) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    entry = rotationMap(h, w, degrees);
    cache.set(key, entry);
  }
  return entry;
}

/** Rotates x [n, h, w, c] by `degrees` about its centre; differentiable. Caller disposes. */
export function rotate(x: tf.Tensor4D, degrees: number, options: RotateOptions = {}): tf.Tensor4D {
  if (!Number.isFinite(degrees)) {
    throw new RangeError(`Angle is ${degrees}: expected a finite number of degrees`);
  }
  if (degrees % 360 === 0) return tf.clone(x);
  const [n, h, w, c] = x.shape;
  const { map, outside } = cachedRotationMap(h, w, degrees);
  return tf.tidy(() => {
    // [n, h, w, c] -> [h w, n c]: one gather moves every image and channel of a pixel.
    const columns = tf.reshape(tf.transpose(tf.reshape(x, [n, h * w, c]), [1, 0, 2]), [
      h * w,
      n * c,
    ]) as tf.Tensor2D;
    let out: tf.Tensor = applySparse(map, columns);
    if (outside.some((v) => v !== 0)) {
      out = tf.add(out, tf.mul(tf.tensor2d(outside, [h * w, 1]), options.fill ?? 0.5));
    }
    return tf.reshape(tf.transpose(tf.reshape(out, [h * w, n, c]), [1, 0, 2]), [n, h, w, c]);
  });
}

/** Rotates by an angle (degrees) drawn from `angles`. */
export function randomRotate(angles: readonly number[], options: RotateOptions = {}): Transform {
  if (angles.length === 0) throw new RangeError("randomRotate() needs at least one angle");
  return (x, rng) => rotate(x, rng.pick(angles), options);
}
