/**
 * Style transfer (Gatys et al. 2016) as an async generator over the shared optimisation loop
 * (loop.ts): one progress event per iteration, the best image so far on return, also when
 * aborted. A recipe with a pyramid runs coarse to fine (pyramid.ts plans the scales): at each
 * scale the content and paintings are resized, the targets recomputed, and the optimiser
 * restarted from the previous scale's best image enlarged (upsample.ts). Colour control
 * (colour/control.ts) prepares the images before and finishes the picture after.
 */
import * as tf from "@tensorflow/tfjs-core";
import { finishColour, prepareColour, type PreparedColour } from "./colour/control.ts";
import { createEta, type Eta, type EtaScale, type PassCost, scaleCost } from "./eta.ts";
import { createRunObjective, runLayers } from "./features.ts";
import { type PreviewImage, resizeTo, resizeToLongSide } from "./image.ts";
import { initialFlat } from "./init.ts";
import { type LoopControl, type LoopEvent, type LoopResult, optimizeImage } from "./loop.ts";
import { passCost } from "./nets/flops.ts";
import type { Net } from "./nets/net.ts";
import { type PlannedScale, planScales } from "./pyramid.ts";
import { parseRecipe, RECIPE_DEFAULTS, type RunImages, validateRun } from "./recipe.ts";
import { resizeBicubic } from "./upsample.ts";
import {
  assertTileable,
  createTiledRunObjective,
  gridOf,
  type MemoryBudget,
  planRunTiles,
  type TiledRunObjective,
  type TileProgress,
} from "./tiled_run.ts";
import type { TilePlan } from "./tiling/plan.ts";
import type { Recipe, RecipeInput, ScaleRun } from "./types.ts";

export * from "./loop.ts";
export type { PreviewImage } from "./image.ts";
export type { MemoryBudget, TileProgress } from "./tiled_run.ts";
/** The images of a run (see RunImages). */
export type StylizeImages = RunImages;

/** Loss values of one iteration, each already weighted. */
export interface LossValues {
  total: number;
  content: number;
  style: number;
  tv: number;
}

/** Where a coarse-to-fine run is: scale `index` (from 0) of `count`, `size` px long side. */
export interface ScaleInfo {
  index: number;
  count: number;
  size: number;
  /** Iteration within this scale (from 1), and this scale's share of the iterations. */
  iteration: number;
  iterations: number;
}

/** One progress event per stylize() iteration. */
export interface StylizeEvent {
  /** Iterations so far and in all, across every scale (a progress bar over the whole run). */
  iteration: number;
  iterations: number;
  /** The accepted point's total and terms. */
  losses: LossValues;
  /** Since stylize() started, across every scale. */
  elapsedMs: number;
  /** Objective evaluations so far (L-BFGS line searches may take several per iteration). */
  evaluations: number;
  /** Objective evaluations of this iteration. */
  iterationEvaluations: number;
  /** The scale running, in a run with more than one. */
  scale?: ScaleInfo;
  /** Tiles of each objective evaluation, when this scale runs tiled (StylizeOptions.memory). */
  tiles?: number;
  /** The time left (eta.ts createEta() over the run's plan), as every face shows it. */
  eta: Eta;
  preview?: PreviewImage;
}

/** What stylize() returns: the best image so far (caller disposes it) and its loss. */
export interface StylizeResult {
  /**
   * At the content's size, also when stopped at a coarser scale (then enlarged); reduced by the
   * recipe's `supersample` factor.
   */
  image: tf.Tensor4D;
  iterations: number;
  /** The loss of `image` at the last scale reached. */
  loss: number;
  evaluations: number;
  aborted: boolean;
  elapsedMs: number;
  /** The scales reached, coarse to fine, with the iterations done at each. */
  scales: ScaleRun[];
}

/** Options of stylize(). */
export interface StylizeOptions extends LoopControl {
  /**
   * The memory one evaluation may use. With it, each scale whose one pass does not fit runs
   * tiled (tiled_run.ts); without it, every scale runs untiled. Not part of the recipe: the
   * tiled objective is the untiled one up to float rounding (ResNet-50: close to it, with its
   * approximate halo).
   */
  memory?: MemoryBudget;
  /**
   * Called after each tile of a tiled evaluation, with the scale's index (from 0) and the
   * number of scales (the first evaluation's tiles come before the first iteration's event).
   */
  onTile?: (progress: TileProgress & { scale: number; scales: number }) => void;
  /**
   * The threads the backend computes on (WASM's pool), for the ETA's fixed cost (eta.ts
   * fixedCostPixels()); absent on other backends or when not known.
   */
  threads?: number;
}

const lossValues = (total: number, t: Record<string, number>): LossValues => ({
  total,
  content: t.content ?? 0,
  style: t.style ?? 0,
  tv: t.tv ?? 0,
});

/**
 * The images of one scale: the (colour-prepared) content and paintings resized to it. The
 * paintings' long side is styleScale x the scale's; a recipe with neither a pyramid nor a
 * styleScale uses them as given, as before either existed. Caller disposes.
 */
function imagesAt(prepared: RunImages, recipe: Recipe, scale: PlannedScale): RunImages {
  const resizeStyles = recipe.pyramid !== undefined || recipe.styleScale !== undefined;
  const styleSide = Math.round(
    (recipe.styleScale ?? RECIPE_DEFAULTS.styleScale.value) * scale.size,
  );
  return {
    content: resizeToLongSide(prepared.content, scale.size),
    styles: prepared.styles.map((s) =>
      resizeStyles ? resizeToLongSide(s, Math.max(1, styleSide)) : tf.clone(s)
    ),
    init: prepared.init && resizeToLongSide(prepared.init, scale.size),
  };
}

/** `image` enlarged to `height` x `width` (bicubic, clipped to [0, 1]); disposes `image`. */
function enlarge(image: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
  if (image.shape[1] === height && image.shape[2] === width) return image;
  const out = tf.tidy(() => tf.clipByValue(resizeBicubic(image, [height, width]), 0, 1));
  image.dispose();
  return out;
}

/**
 * A supersampled run's result (RecipeSchema's `supersample`) reduced by `factor`: each k x k
 * block averaged (resizeTo() halves exactly; the callers' inputImage() makes the sides
 * multiples of the factor), so that period-2 artefacts of the working size average out.
 * Disposes `image` unless the factor is 1.
 */
function reduce(image: tf.Tensor4D, factor: number): tf.Tensor4D {
  if (factor === 1) return image;
  const [, h, w] = image.shape;
  const out = resizeTo(
    image,
    Math.max(1, Math.round(h / factor)),
    Math.max(1, Math.round(w / factor)),
  );
  image.dispose();
  return out;
}

/**
 * A run's result as a user gets it: `full` (at the run's sides, disposed) reduced by the
 * recipe's `supersample` factor, then the colour finish (finishColour()) at that size, against
 * `content` (the run's, reduced alike), so that the palette's statistics are those of the
 * output (averaging k x k blocks after the finish would take some of their variance).
 */
export async function finishOutput(
  full: tf.Tensor4D,
  content: tf.Tensor4D,
  recipe: Pick<Recipe, "supersample" | "colour">,
  colour: PreparedColour,
): Promise<tf.Tensor4D> {
  const factor = recipe.supersample ?? 1;
  const output = reduce(full, factor);
  const small = factor === 1 ? content : reduce(tf.clone(content), factor);
  try {
    return await finishColour(output, small, recipe.colour, colour);
  } finally {
    output.dispose();
    if (small !== content) small.dispose();
  }
}

/** A run's plan: its scales, each scale's memory plan, and what the ETA knows of their cost. */
export interface RunPlan {
  scales: PlannedScale[];
  /** planRunTiles() per scale (undefined without a memory budget or for an untiled network). */
  memoryPlans: (TilePlan | undefined)[];
  /** The tiled scales' plans. */
  tilePlans: (TilePlan | undefined)[];
  /** createEta()'s arguments: each scale's cost (scaleCost()), the network's pass (passCost()). */
  eta: { scales: (PlannedScale & EtaScale)[]; pass: PassCost };
}

/**
 * The plan of a run of `recipe` on a `height` x `width` content (its run sides, runDims()):
 * planScales(), and every scale's memory plan before any work, so that a run that cannot fit,
 * or needs tiling that its recipe does not allow, fails now (RangeError). stylize() runs it;
 * the reference experiment records it with a run's progress events.
 */
export function planRun(
  net: Net,
  recipe: Recipe,
  height: number,
  width: number,
  memory?: MemoryBudget,
): RunPlan {
  const scales = planScales(height, width, {
    iterations: recipe.iterations,
    pyramid: recipe.pyramid,
  });
  const memoryPlans = scales.map((scale) => memory && planRunTiles(net, recipe, scale, memory));
  const tilePlans = memoryPlans.map((p) => (p?.tiled ? p : undefined));
  if (tilePlans.some((p) => p)) assertTileable(recipe);
  const layers = runLayers(recipe);
  return {
    scales,
    memoryPlans,
    tilePlans,
    eta: {
      // A tiled scale costs its crops (cores and halos) and its passes over them.
      scales: scales.map((scale, k) => {
        const crops = tilePlans[k] &&
          gridOf(net, tilePlans[k]!, scale.height, scale.width, layers).tiles.map(({ crop }) => ({
            height: crop[0].end - crop[0].start,
            width: crop[1].end - crop[1].start,
          }));
        return { ...scale, ...scaleCost(scale.height, scale.width, crops) };
      }),
      pass: passCost(net.manifest, layers, {
        layers: recipe.layers.style.map((l) => l.layer),
        loss: recipe.style?.loss,
        projections: recipe.style?.projections,
      }),
    },
  };
}

/**
 * Runs style transfer. Yields a StylizeEvent per iteration; returns the best image so far
 * (lowest total loss at the last scale reached, at the content's size, or reduced by the
 * recipe's `supersample` factor: the caller reads the content at runDims() and the paintings at
 * runSides()), also when aborted.
 * `recipe.iterations` is the budget of the whole run, split over the scales (pyramid.ts).
 * Throws RangeError on invalid input before any work.
 */
export async function* stylize(
  net: Net,
  images: StylizeImages,
  recipeInput: RecipeInput,
  opts: StylizeOptions = {},
): AsyncGenerator<StylizeEvent, StylizeResult, void> {
  const recipe = parseRecipe(recipeInput);
  validateRun(net, images, recipe);
  const started = performance.now();
  const [, height, width] = images.content.shape;
  const { scales: plan, memoryPlans, tilePlans, eta: etaPlan } = planRun(
    net,
    recipe,
    height,
    width,
    opts.memory,
  );
  const eta = createEta(etaPlan.scales, { pass: etaPlan.pass, threads: opts.threads });
  const colour = await prepareColour(
    images.content,
    images.styles,
    recipe.colour,
    recipe.styles.map((s) => s.weight),
  );
  const prepared: RunImages = { ...colour, init: images.init };
  let best: tf.Tensor4D | undefined;
  let loss = NaN;
  let iterations = 0;
  let evaluations = 0;
  let aborted = false;
  const scales: ScaleRun[] = [];
  try {
    for (let index = 0, first = 0; index < plan.length; first += plan[index++].iterations) {
      if (opts.signal?.aborted) {
        aborted = true;
        break;
      }
      const scale = plan[index];
      const at = imagesAt(prepared, recipe, scale);
      // The L-BFGS history belongs to one image size: each scale starts a fresh optimiser.
      const start = index === 0
        ? recipe.init === "image" ? at.init : at.content
        : best && enlarge(best, scale.height, scale.width);
      best = undefined;
      let objective: ReturnType<typeof createRunObjective> | undefined;
      let tiled: TiledRunObjective | undefined;
      let loop: AsyncGenerator<LoopEvent, LoopResult, void> | undefined;
      const tilePlan = tilePlans[index];
      const { history, hostHistory, hostVectors } = memoryPlans[index] ?? {};
      try {
        if (tilePlan) {
          tiled = await createTiledRunObjective(net, at, recipe, {
            plan: tilePlan,
            memory: opts.memory!,
            signal: opts.signal,
            onTile: opts.onTile &&
              ((p) => opts.onTile!({ ...p, scale: index, scales: plan.length })),
          });
          // The paintings are read only for their Grams: free them before the optimiser starts
          // (HOST_RUN_BYTES_PER_PIXEL does not count them).
          tf.dispose(at.styles);
        } else {
          objective = createRunObjective(net, at, recipe);
        }
        loop = optimizeImage({
          ...opts,
          param: recipe.param,
          height: scale.height,
          width: scale.width,
          start: (param) =>
            initialFlat(param, index === 0 ? recipe : { ...recipe, init: "image" }, start),
          // Every vector in JS memory: the windows are uploaded per tile (issue 14).
          ...(hostVectors && tiled ? { hostEvaluator: tiled.hostEvaluator } : {}),
          // A scale too large for the recipe's L-BFGS history runs with the plan's (issue 14).
          optimizer: (history || hostHistory) && recipe.optimizer.kind === "lbfgs"
            ? {
              ...recipe.optimizer,
              ...(history ? { history } : {}),
              ...(hostHistory ? { hostHistory } : {}),
            }
            : recipe.optimizer,
          iterations: scale.iterations,
          seed: recipe.seed,
          firstIteration: first,
          ...(hostVectors ? {} : tiled ? { evaluator: tiled.evaluator } : {
            begin: objective!.begin,
            objective: objective!.evaluate,
          }),
        });
        for (;;) {
          const r = await loop.next();
          if (r.done) {
            const res = r.value;
            best = res.image;
            if (Number.isFinite(res.loss) || !Number.isFinite(loss)) loss = res.loss;
            iterations += res.iterations;
            evaluations += res.evaluations;
            aborted = res.aborted;
            scales.push({
              size: scale.size,
              iterations: res.iterations,
              ...(tiled ? { tiles: tiled.grid.tiles.length, tile: tiled.grid.tile[0] } : {}),
              ...(tiled && tilePlan?.approximateHalo ? { halo: { ...tilePlan.halo } } : {}),
              ...(history ? { history } : {}),
              ...(hostHistory ? { hostHistory } : {}),
              ...(hostVectors ? { hostVectors } : {}),
            });
            break;
          }
          const { loss: l, terms, iteration, iterations: _, ...rest } = r.value;
          const event: Omit<StylizeEvent, "eta"> = {
            ...rest,
            iteration: first + iteration,
            iterations: recipe.iterations,
            losses: lossValues(l, terms),
            elapsedMs: performance.now() - started,
            evaluations: evaluations + r.value.evaluations,
            ...(tiled ? { tiles: tiled.grid.tiles.length } : {}),
            ...(plan.length > 1
              ? {
                scale: {
                  index,
                  count: plan.length,
                  size: scale.size,
                  iteration,
                  iterations: scale.iterations,
                },
              }
              : {}),
          };
          yield { ...event, eta: eta.update(event) };
        }
      } finally {
        // A consumer that stops early (return()) must free the loop's tensors too.
        await loop?.return(undefined as never);
        objective?.dispose();
        tiled?.dispose();
        tf.dispose([at.content, ...at.styles, at.init ?? [], index > 0 && start ? start : []]);
      }
      if (aborted) break;
    }
    const full = enlarge(best!, height, width);
    best = undefined;
    const image = await finishOutput(full, images.content, recipe, colour);
    return {
      image,
      iterations,
      loss,
      evaluations,
      aborted,
      elapsedMs: performance.now() - started,
      scales,
    };
  } finally {
    tf.dispose([colour.content, ...colour.styles, best ?? []]);
  }
}
