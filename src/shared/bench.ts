/**
 * The engine benchmark's unit of work, one objective evaluation: the Gatys objective with a
 * network's default layers (forward through the net, Gram and content losses, gradient with
 * respect to the image), with no optimizer around it. The CLI's profile and PyTorch comparison
 * (scripts/bench_profile.ts, bench_vs_torch.ts) and the studio's /bench page
 * (src/client/bench_worker.ts, through benchEvaluation()) all time this same unit.
 */
import * as tf from "@tensorflow/tfjs-core";
import { type ConvGradMode, type Net, setConvGradMode } from "./nets/net.ts";
import { forwardFlops } from "./nets/flops.ts";
import { runLayers } from "./features.ts";
import { defaultRecipe } from "./recipe.ts";
import { buildStyleObjective, gramStatistic, type StyleTargetMap } from "./losses/mod.ts";

/** One evaluation, ready to run; dispose() frees its targets. */
export interface Evaluation {
  /** Runs forward + gradient once and waits for the gradient's values. */
  run(): Promise<void>;
  /** Forward + backward FLOPs of one evaluation (2 x forward, no weight gradients). */
  flops: number;
  /** Image shape [1, h, w, 3]. */
  shape: number[];
  dispose(): void;
}

/** The default-recipe objective of `net` for a content and a style image (kept by the caller). */
export function objectiveEvaluation(
  net: Net,
  content: tf.Tensor4D,
  style: tf.Tensor4D,
): Evaluation {
  const recipe = defaultRecipe(net);
  const contentLayers = recipe.layers.content.map((l) => l.layer);
  const styleLayers = recipe.layers.style.map((l) => l.layer);
  const layers = runLayers(recipe);
  const targets = tf.tidy(() => net.forward(content, contentLayers));
  // The run's Gram statistic (targets with their mean square), as createRunObjective() makes it.
  const grams: StyleTargetMap = tf.tidy(() => {
    const f = net.forward(style, styleLayers);
    return Object.fromEntries(styleLayers.map((l) => [l, gramStatistic.targets([f[l]])]));
  });
  const objective = buildStyleObjective({
    contentTargets: targets,
    style: { statistic: gramStatistic, targets: grams },
    contentLayers: recipe.layers.content,
    styleLayers: recipe.layers.style,
    weights: recipe.weights,
  });
  const grad = tf.grad((x: tf.Tensor) => {
    const image = x as tf.Tensor4D;
    return objective(net.forward(image, layers), image).total;
  });
  const [, h, w] = content.shape;
  return {
    async run() {
      const g = tf.tidy(() => grad(content));
      await g.data();
      g.dispose();
    },
    flops: 2 * forwardFlops(net.manifest, h, w, layers),
    shape: content.shape,
    dispose() {
      tf.dispose([Object.values(targets), Object.values(grams).flatMap((t) => Object.values(t))]);
    },
  };
}

/** Median of a list of numbers. */
export const median = (xs: number[]): number =>
  [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

/** Content photo aspect of the CLI bench (chelsea.png, 451x300): 256 px is 256x170. */
const BENCH_ASPECT = 300 / 451;

/** Options of benchEvaluation(). */
export interface BenchOptions {
  /** Timed evaluations (default 3); the reported time is their median. */
  evaluations?: number;
  /** Untimed evaluations first: shader compilation, flipped kernels, allocator growth (1). */
  warmup?: number;
  /** conv2d input gradient for this measurement (default "auto": the backend's choice). */
  convGrad?: ConvGradMode;
}

/** What benchEvaluation() measured. */
export interface BenchMeasure {
  /** Image shape [1, h, w, 3]. */
  shape: number[];
  /** Median ms per evaluation (forward + gradient, waiting for the gradient's values). */
  msPerEval: number;
  /** Every timed evaluation, ms. */
  times: number[];
  /** Forward + backward FLOPs per evaluation. */
  flopsPerEval: number;
  /** flopsPerEval / msPerEval, in GFLOP/s. */
  gflops: number;
  /** Peak bytes the tfjs engine held during one evaluation (tf.profile's peakBytes). */
  peakBytes: number;
}

/**
 * Times objectiveEvaluation() of `net` at `size` px (long side, the CLI bench's 451x300 aspect)
 * on the active backend. The images are seeded noise: time does not depend on pixel values.
 * Runs one more, untimed evaluation under tf.profile for the peak memory. Leaves no tensors.
 */
export async function benchEvaluation(
  net: Net,
  size: number,
  opts: BenchOptions = {},
): Promise<BenchMeasure> {
  const h = Math.max(1, Math.round(size * BENCH_ASPECT));
  const content = tf.randomUniform([1, h, size, 3], 0, 1, "float32", 1) as tf.Tensor4D;
  const style = tf.randomUniform([1, h, size, 3], 0, 1, "float32", 2) as tf.Tensor4D;
  const previousMode = setConvGradMode(opts.convGrad ?? "auto");
  const ev = objectiveEvaluation(net, content, style);
  try {
    for (let i = 0; i < (opts.warmup ?? 1); i++) await ev.run();
    const times: number[] = [];
    for (let i = 0; i < (opts.evaluations ?? 3); i++) {
      const t = performance.now();
      await ev.run();
      times.push(performance.now() - t);
    }
    const info = await tf.profile(() => ev.run());
    const msPerEval = median(times);
    return {
      shape: ev.shape,
      msPerEval,
      times,
      flopsPerEval: ev.flops,
      gflops: ev.flops / (msPerEval / 1000) / 1e9,
      peakBytes: info.peakBytes,
    };
  } finally {
    setConvGradMode(previousMode);
    ev.dispose();
    tf.dispose([content, style]);
  }
}
