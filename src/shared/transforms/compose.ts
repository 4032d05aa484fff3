/**
 * Chains transforms (lucid transform.compose) and builds the chain a Recipe asks for.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { TransformsSpec } from "../types.ts";
import { jitter } from "./jitter.ts";
import { pad } from "./pad.ts";
import { randomRotate } from "./rotate.ts";
import { randomScale } from "./scale.ts";
import type { Transform } from "./transform.ts";

/** Applies `transforms` in order, disposing the intermediate images. */
export function compose(...transforms: Transform[]): Transform {
  return (x, rng) =>
    tf.tidy(() => {
      let y = x;
      for (const t of transforms) y = t(y, rng);
      return y === x ? tf.clone(x) : y;
    });
}

/** Whether a transforms spec moves any pixel (pad, jitter, a scale but 1, an angle but 0). */
export function transformsActive(spec: Partial<TransformsSpec> | undefined): boolean {
  return !!spec && ((spec.pad ?? 0) > 0 || (spec.jitter ?? 0) > 0 ||
    (spec.scales ?? []).some((s) => s !== 1) || (spec.angles ?? []).some((a) => a !== 0));
}

/**
 * The fixed views a transforms spec runs (`views`), or undefined when it draws anew per
 * iteration or moves no pixel (views of the identity are all the image: one pass suffices).
 */
export function fixedViews(spec: Partial<TransformsSpec> | undefined): number | undefined {
  return spec?.views && transformsActive(spec) ? spec.views : undefined;
}

/**
 * The Recipe's chain: pad (constant grey, lucid's default, or reflect), jitter, scale, rotate,
 * skipping the ones that are off (0 px or an empty list). With nothing on it copies the image.
 * Lucid's standard_transforms is the same chain with fixed values plus a final jitter(4).
 */
export function standardTransforms(spec: Partial<TransformsSpec> = {}): Transform {
  const chain: Transform[] = [];
  if (spec.pad) chain.push(pad(spec.pad, { mode: spec.padMode }));
  if (spec.jitter) chain.push(jitter(spec.jitter));
  if (spec.scales?.length) chain.push(randomScale(spec.scales));
  if (spec.angles?.length) chain.push(randomRotate(spec.angles));
  return compose(...chain);
}
