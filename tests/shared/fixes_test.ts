/**
 * The article's claim, measured in CI at a small size: on the standard (non-robust) ResNet-50,
 * the decorrelated Fourier parameterisation with transformation robustness gives a result
 * closer to the style image than plain pixel optimisation, as judged by OTHER networks.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { setupTf, tf } from "../_tf.ts";
import { loadImage, ROOT, sharedImage } from "../_images.ts";
import { loadNet } from "../../src/shared/nets/loader.ts";
import { makeRecipe } from "../../src/shared/recipe.ts";
import { PRESETS } from "../../src/shared/presets.ts";
import { stylize } from "../../src/shared/render.ts";
import { FIXES } from "../../src/shared/experiment.ts";
import { judgeStyleDistance } from "../../src/shared/metrics/judge.ts";
import type { RecipeInput } from "../../src/shared/types.ts";
import { collect } from "../_run.ts";

Deno.test("ResNet-50: Fourier + transforms beats plain pixels by the MobileNet judge", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const url = (id: string) => pathToFileURL(join(ROOT, "static/models", id, "manifest.json"));
  const [net, mobilenet, darknet] = await Promise.all(
    ["resnet50", "mobilenet-v1", "darknet-tiny"].map((id) => loadNet(url(id))),
  );
  const content = await loadImage(sharedImage("content/chelsea.png"), 64);
  const style = await loadImage(sharedImage("style/starry_night.jpg"), 64);
  // The article's standard-ResNet-50 recipe (max pooling, the four stage outputs, style weight
  // 1e4), not today's tuned default: the claim is about the article's setting.
  const article = PRESETS.find((p) => p.id === "nakano2019-resnet50")!.recipe;
  const base = makeRecipe(net.manifest, {
    base: article,
    overrides: { size: 64, iterations: 30, init: "noise", seed: 3 },
  });
  const run = async (recipe: RecipeInput) => {
    const gen = stylize(net, { content, styles: [style] }, recipe, { previewEvery: 0 });
    const { image } = (await collect(gen)).result;
    const m = (await judgeStyleDistance(mobilenet, image, style)).mean;
    const d = (await judgeStyleDistance(darknet, image, style)).mean;
    image.dispose();
    return { m, d };
  };
  const plain = await run(base);
  const fourier = await run(FIXES.find((f) => f.id === "fourier")!.apply(base));
  console.log(
    `judge style distance, plain vs Fourier+transforms: MobileNet ${plain.m.toFixed(3)} vs ${
      fourier.m.toFixed(3)
    }, Darknet ${plain.d.toFixed(3)} vs ${fourier.d.toFixed(3)}`,
  );
  // MobileNet, the article's judge, separates them by about 9x here. Darknet-tiny is logged, not
  // asserted: at 64 px and 30 iterations it rates the two about equal (see the README).
  assert.ok(fourier.m < 0.5 * plain.m, `MobileNet judge: ${fourier.m} vs plain ${plain.m}`);
  assert.ok(Number.isFinite(fourier.d) && Number.isFinite(plain.d));
  tf.dispose([content, style]);
  [net, mobilenet, darknet].forEach((n) => n.dispose());
  assert.equal(tf.memory().numTensors, before);
});
