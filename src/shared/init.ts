/**
 * Where an optimisation starts and how its randomness is seeded, shared by stylize() and
 * visualize(): every random draw of a run (the noise start, one transform draw per iteration)
 * comes from the recipe's seed, so a run replays bit for bit on one backend.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Parameterization } from "./param/mod.ts";
import { createRng } from "./random.ts";
import type { Init, ParamSpec } from "./types.ts";

/** The seed of iteration `iteration`'s transform draw (a large odd multiplier spreads seeds). */
export function iterationSeed(seed: number, iteration: number): number {
  return (seed * 1_000_003 + iteration) >>> 0;
}

/**
 * A seeded Gaussian start. Caller disposes. Plain pixels: N(0.5, 0.15^2) clipped to [0, 1]
 * (Gatys et al.'s white-noise start); spectrum or decorrelated colour coefficients: small
 * N(0, 0.01^2) values (lucid's param.image), a grey-ish image.
 */
export function noiseStart(param: Parameterization, spec: ParamSpec, seed: number): tf.Tensor1D {
  const rng = createRng(seed ^ 0x5eed);
  const v = new Float32Array(param.size);
  if (spec.kind === "pixel" && !spec.decorrelate) {
    for (let i = 0; i < v.length; i++) v[i] = Math.min(1, Math.max(0, 0.5 + 0.15 * rng.normal()));
  } else {
    for (let i = 0; i < v.length; i++) v[i] = 0.01 * rng.normal();
  }
  return tf.tensor1d(v);
}

/** What a start needs: the init kind, the parameterisation spec and the seed. */
export interface StartSpec {
  init: Init;
  param: ParamSpec;
  seed: number;
}

/**
 * The initial parameter vector: `image` (the content or a given image) for "content" and
 * "image", seeded noise for "noise". Caller disposes.
 */
export function initialFlat(
  param: Parameterization,
  spec: StartSpec,
  image?: tf.Tensor4D,
): tf.Tensor1D {
  if (spec.init === "noise") return noiseStart(param, spec.param, spec.seed);
  if (!image) throw new RangeError(`init "${spec.init}" needs an image`);
  // Keep sigmoid-squashed parameterisations invertible: stay inside (0, 1).
  return tf.tidy(() => param.fromImage(tf.clipByValue(image, 0.01, 0.99)));
}
