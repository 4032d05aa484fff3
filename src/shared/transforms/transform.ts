/**
 * The transform contract (lucid optvis/transform.py): a factory takes options and returns a
 * function of an NHWC image and a seeded Rng. Random transforms draw from that Rng only, so a
 * run replays from its seed. A transform never disposes its input; the caller disposes the
 * result. All of them are differentiable w.r.t. the image on every backend.
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "../random.ts";

/** One image transform: [n, h, w, c] in, [n, h', w', c] out. */
export type Transform = (x: tf.Tensor4D, rng: Rng) => tf.Tensor4D;
