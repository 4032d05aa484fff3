/**
 * One objective evaluation for the engine benchmarks: the Gatys objective with a network's
 * default layers (forward through the net, Gram and content losses, gradient with respect to
 * the image), with no optimizer around it. The profile, the thread comparison and the PyTorch
 * comparison all time this same unit of work.
 */
import { tf } from "./tf_node.ts";
import type { Net } from "../../src/shared/nets/net.ts";
import { forwardFlops } from "../../src/shared/nets/flops.ts";
import { defaultRecipe } from "../../src/shared/recipe.ts";
import { buildStyleObjective, gram, type GramMap } from "../../src/shared/losses/mod.ts";

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
  const layers = [...new Set([...contentLayers, ...styleLayers])];
  const targets = tf.tidy(() => net.forward(content, contentLayers));
  const grams: GramMap = tf.tidy(() => {
    const f = net.forward(style, styleLayers);
    return Object.fromEntries(styleLayers.map((l) => [l, gram(f[l])]));
  });
  const objective = buildStyleObjective({
    contentTargets: targets,
    styleGrams: grams,
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
      tf.dispose([Object.values(targets), Object.values(grams)]);
    },
  };
}

/** Median of a list of numbers. */
export const median = (xs: number[]): number =>
  [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
