/**
 * Coarse-to-fine planning (issue 12): which long sides a run visits and how many iterations
 * each gets. The scales run from about `minSize` up to the output's long side in steps of
 * `step` (crowsonkb/style-transfer-pytorch: from 128 px in sqrt(2) steps); the iteration
 * budget is the run's total, split geometrically so that coarse (cheap) scales get more.
 * Pure arithmetic: render.ts's stylize() resizes and runs.
 */
import { MIN_SIZE, RECIPE_DEFAULTS } from "./recipe_defaults.ts";
import type { PyramidSpec } from "./types.ts";

/** One planned scale: its long side, its image size and its share of the iterations. */
export interface PlannedScale {
  size: number;
  height: number;
  width: number;
  iterations: number;
}

/**
 * Long sides from the coarsest to `size`: `size / step^j` rounded, for j from the largest
 * with `size / step^j >= minSize` down to 0, so that the last is exactly `size` and the first
 * lies in [minSize, minSize·step). A pyramid whose minSize is at least `size` is one scale.
 * E.g. 256 from 128 in sqrt(2) steps: [128, 181, 256].
 */
export function pyramidSizes(size: number, spec: Pick<PyramidSpec, "minSize" | "step">): number[] {
  if (spec.minSize >= size) return [size];
  // The tolerance keeps 512 / sqrt(2)^4 = 128.00000000000003 (or 127.99...) at 128.
  const n = Math.floor(Math.log(size / spec.minSize) / Math.log(spec.step) + 1e-9);
  const sizes: number[] = [];
  for (let j = n; j >= 0; j--) sizes.push(Math.round(size / spec.step ** j));
  return [...new Set(sizes)];
}

/**
 * Splits `total` iterations over `count` scales, coarsest first: every scale gets 1, and the
 * remaining `total − count` are shared in proportion to `share^(count−1−k)` (scale k; the
 * finest has weight 1), rounded down, with the leftover units going to the largest fractional
 * parts (ties to the coarser scale). The parts sum to `total` exactly. Throws when
 * `total < count`.
 */
export function splitIterations(total: number, count: number, share: number): number[] {
  if (!(Number.isInteger(total) && Number.isInteger(count) && count >= 1 && total >= count)) {
    throw new RangeError(
      `Cannot split ${total} iterations over ${count} scales: need at least 1 each`,
    );
  }
  const weights = Array.from({ length: count }, (_, k) => share ** (count - 1 - k));
  const sum = weights.reduce((a, b) => a + b, 0);
  const rest = total - count;
  const exact = weights.map((w) => (rest * w) / sum);
  const parts = exact.map((x) => 1 + Math.floor(x));
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = exact.map((x, k) => ({ k, f: x - Math.floor(x) })).sort((a, b) =>
    b.f - a.f || a.k - b.k
  );
  for (const { k } of order) {
    if (left-- <= 0) break;
    parts[k]++;
  }
  return parts;
}

/** The size an image of `height` x `width` has at long side `size` (image.ts's rounding). */
export function sizeAt(
  height: number,
  width: number,
  size: number,
): { height: number; width: number } {
  const k = size / Math.max(height, width);
  return { height: Math.max(1, Math.round(height * k)), width: Math.max(1, Math.round(width * k)) };
}

/**
 * The sides a run works at for a `height` x `width` image (RecipeSchema's `supersample`): the
 * output's sides at the recipe's size (sizeAt()) times the factor, so that the result reduces
 * exactly to the output's sides. inputImage() resizes to these.
 */
export function runDims(
  height: number,
  width: number,
  recipe: { size: number; supersample?: number },
): { height: number; width: number } {
  const k = recipe.supersample ?? 1;
  const at = sizeAt(height, width, recipe.size);
  return { height: at.height * k, width: at.width * k };
}

/**
 * The scales of a run on a `height` x `width` content image with `iterations` in all.
 * Without a pyramid: one scale at the content's size. Scales whose short side would fall below
 * the network minimum (MIN_SIZE) are dropped, and so are the coarsest ones when there are fewer
 * iterations than scales (every scale runs at least once); the last scale is always the
 * content's own size.
 */
export function planScales(
  height: number,
  width: number,
  opts: { iterations: number; pyramid?: Partial<PyramidSpec> },
): PlannedScale[] {
  const long = Math.max(height, width);
  const spec = { ...RECIPE_DEFAULTS.pyramid, ...opts.pyramid };
  let sizes = opts.pyramid ? pyramidSizes(long, spec) : [long];
  sizes = sizes.filter((s) => {
    const d = sizeAt(height, width, s);
    return s === long || Math.min(d.height, d.width) >= MIN_SIZE;
  });
  sizes = sizes.slice(Math.max(0, sizes.length - opts.iterations));
  const iterations = splitIterations(opts.iterations, sizes.length, spec.coarseShare);
  return sizes.map((size, k) => ({
    size,
    ...(size === long ? { height, width } : sizeAt(height, width, size)),
    iterations: iterations[k],
  }));
}
