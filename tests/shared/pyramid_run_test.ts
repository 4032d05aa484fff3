/**
 * stylize() coarse to fine and with colour control, on a real network (Darknet-tiny at 64 and
 * 96 px, shared/images): per-scale targets, the loss falling within each scale, an old recipe
 * replaying as before, an abort at the coarse scale, and luminance-only transfer.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { setupTf, tf } from "../_tf.ts";
import { loadImage, ROOT, sharedImage } from "../_images.ts";
import { loadNet } from "../../src/shared/nets/loader.ts";
import type { Net } from "../../src/shared/nets/net.ts";
import { createRunObjective } from "../../src/shared/features.ts";
import { initialFlat } from "../../src/shared/init.ts";
import { defaultRecipe } from "../../src/shared/recipe.ts";
import { optimizeImage, stylize } from "../../src/shared/render.ts";
import { toLuminanceChroma } from "../../src/shared/colour/spaces.ts";
import { colourStats } from "../../src/shared/colour/match.ts";
import { close } from "../_assert.ts";
import type { RecipeInput } from "../../src/shared/types.ts";
import { collect as runAll } from "../_run.ts";

type Images = { content: tf.Tensor4D; styles: tf.Tensor4D[] };

/** Darknet-tiny with chelsea and starry_night at the given [width, height] (cover-cropped). */
async function withRun(
  size: [number, number],
  styleSize: [number, number],
  fn: (net: Net, images: Images) => Promise<void>,
) {
  await setupTf();
  const before = tf.memory().numTensors;
  const net = await loadNet(pathToFileURL(join(ROOT, "static/models/darknet-tiny/manifest.json")));
  const content = await loadImage(sharedImage("content/chelsea.png"), size);
  const style = await loadImage(sharedImage("style/starry_night.jpg"), styleSize);
  try {
    await fn(net, { content, styles: [style] });
  } finally {
    tf.dispose([content, style]);
    net.dispose();
  }
  assert.equal(tf.memory().numTensors, before, "stylize() left tensors behind");
}

// 96 from 64 in steps of 1.5: two scales, 64 and 96 (pyramid_test.ts derives the sizes).
// 10 iterations split 6 + 4 (8 shared as 4.8 + 3.2 -> 5 + 3, plus 1 each).
const twoScales = (net: Net, over: Partial<RecipeInput> = {}) =>
  defaultRecipe(net, {
    size: 96,
    iterations: 10,
    pyramid: { minSize: 64, step: 1.5, coarseShare: 1.5 },
    ...over,
  });

Deno.test("stylize() with a 2-scale pyramid lowers the loss within each scale and reports the scale", async () => {
  await withRun([96, 64], [96, 72], async (net, images) => {
    const { events, result } = await runAll(
      stylize(net, images, twoScales(net), { previewEvery: 0 }),
    );
    assert.deepEqual(result.scales, [{ size: 64, iterations: 6 }, { size: 96, iterations: 4 }]);
    assert.deepEqual(events.map((e) => e.iteration), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.ok(events.every((e) => e.iterations === 10));
    assert.deepEqual(
      events.map((e) => [e.scale?.index, e.scale?.size, e.scale?.iteration, e.scale?.iterations]),
      [
        ...[1, 2, 3, 4, 5, 6].map((i) => [0, 64, i, 6]),
        ...[1, 2, 3, 4].map((i) => [1, 96, i, 4]),
      ],
    );
    assert.ok(events.every((e) => e.scale?.count === 2));
    // Evaluations and time count across scales.
    for (let i = 1; i < events.length; i++) {
      assert.ok(events[i].evaluations > events[i - 1].evaluations);
      assert.ok(events[i].elapsedMs >= events[i - 1].elapsedMs);
    }
    for (const [from, to] of [[0, 5], [6, 9]]) {
      const a = events[from].losses.total;
      const b = events[to].losses.total;
      assert.ok(b < a, `scale from iteration ${from + 1}: loss ${a} -> ${b}`);
    }
    assert.equal(result.iterations, 10);
    assert.equal(result.evaluations, events[9].evaluations);
    assert.equal(result.loss, Math.min(...events.slice(6).map((e) => e.losses.total)));
    assert.deepEqual(result.image.shape, [1, 64, 96, 3]);
    result.image.dispose();
  });
});

Deno.test("stylize() computes each scale's targets from the content and painting resized to it", async () => {
  await withRun([96, 64], [144, 108], async (net, images) => {
    // The network sees every image the objective is built from: record the shapes.
    const seen: string[] = [];
    const spy = new Proxy(net, {
      get(target, key) {
        if (key === "forward") {
          return (x: tf.Tensor4D, ...rest: unknown[]) => {
            seen.push(`${x.shape[1]}x${x.shape[2]}`);
            return (target.forward as (...a: unknown[]) => unknown).call(target, x, ...rest);
          };
        }
        const v = Reflect.get(target, key, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    // Shapes as h x w. The content is 96x64, at the 64 px scale 64x43 (64·64/96 = 42.7). The
    // painting is 144x108; styleScale 1.5 puts its long side at 1.5·64 = 96 (96x72) and at
    // 1.5·96 = 144 (as given).
    const { result } = await runAll(
      stylize(spy, images, twoScales(net, { iterations: 2, styleScale: 1.5 }), {
        previewEvery: 0,
      }),
    );
    const shapes = new Set(seen);
    assert.deepEqual([...shapes].sort(), ["108x144", "43x64", "64x96", "72x96"]);
    assert.deepEqual(result.scales, [{ size: 64, iterations: 1 }, { size: 96, iterations: 1 }]);
    result.image.dispose();
  });
});

Deno.test("stylize() replays a recipe without a pyramid bit-identically to a one-scale loop", async () => {
  await withRun([64, 48], [64, 48], async (net, images) => {
    // The images as given (Darknet-tiny's default palette recolours the photo first).
    const recipe = defaultRecipe(net, {
      size: 64,
      iterations: 6,
      seed: 3,
      colour: { mode: "none", match: "pca" },
    });
    assert.equal(recipe.pyramid, undefined);
    const { events, result } = await runAll(stylize(net, images, recipe, { previewEvery: 0 }));
    assert.equal(events[0].scale, undefined);
    assert.deepEqual(result.scales, [{ size: 64, iterations: 6 }]);
    // The run as stylize() did it before pyramids: one objective, one loop over the content.
    const objective = createRunObjective(net, images, recipe);
    const loop = optimizeImage({
      previewEvery: 0,
      param: recipe.param,
      height: 48,
      width: 64,
      start: (param) => initialFlat(param, recipe, images.content),
      optimizer: recipe.optimizer,
      iterations: recipe.iterations,
      seed: recipe.seed,
      begin: objective.begin,
      objective: objective.evaluate,
    });
    const losses: number[] = [];
    let r;
    while (!(r = await loop.next()).done) losses.push(r.value.loss);
    objective.dispose();
    assert.deepEqual(events.map((e) => e.losses.total), losses);
    assert.deepEqual(await result.image.data(), await r.value.image.data());
    tf.dispose([result.image, r.value.image]);
  });
});

Deno.test("stylize() aborted at the coarse scale returns the best image so far at full size", async () => {
  await withRun([96, 64], [96, 72], async (net, images) => {
    const ac = new AbortController();
    const { events, result } = await runAll(
      stylize(net, images, twoScales(net, { iterations: 100 }), {
        signal: ac.signal,
        previewEvery: 0,
      }),
      (e) => e.iteration === 2 && ac.abort(),
    );
    assert.equal(events.length, 2);
    assert.equal(events[1].scale?.index, 0);
    assert.equal(result.aborted, true);
    assert.deepEqual(result.scales, [{ size: 64, iterations: 2 }]);
    assert.equal(result.loss, Math.min(...events.map((e) => e.losses.total)));
    assert.deepEqual(result.image.shape, [1, 64, 96, 3]);
    result.image.dispose();
  });
});

Deno.test("stylize() in luminance mode keeps the photo's chroma (YIQ's I and Q) exactly", async () => {
  await withRun([64, 48], [64, 48], async (net, images) => {
    const recipe = defaultRecipe(net, { size: 64, iterations: 3, colour: { mode: "luminance" } });
    const { result } = await runAll(stylize(net, images, recipe, { previewEvery: 0 }));
    const yiq = [toLuminanceChroma(result.image), toLuminanceChroma(images.content)];
    const [out, photo, rgb] = await Promise.all([...yiq, result.image].map((t) => t.data()));
    tf.dispose(yiq);
    // finishColour() clips to [0, 1]: a pixel clipped in any channel leaves the YIQ gamut and
    // cannot keep its chroma; every other pixel must keep it to float32 accuracy.
    let kept = 0;
    let worst = 0;
    let changedY = 0;
    for (let p = 0; p < rgb.length / 3; p++) {
      changedY = Math.max(changedY, Math.abs(out[3 * p] - photo[3 * p]));
      if ([0, 1, 2].some((c) => rgb[3 * p + c] <= 0 || rgb[3 * p + c] >= 1)) continue;
      kept++;
      worst = Math.max(worst, Math.abs(out[3 * p + 1] - photo[3 * p + 1]));
      worst = Math.max(worst, Math.abs(out[3 * p + 2] - photo[3 * p + 2]));
    }
    assert.ok(kept > 0.9 * (rgb.length / 3), `only ${kept} of ${rgb.length / 3} pixels in gamut`);
    assert.ok(worst < 1e-5, `chroma moved by ${worst}`);
    // And the run did change the picture: its luminance.
    assert.ok(changedY > 0.02, `luminance moved by at most ${changedY}`);
    tf.dispose(result.image);
  });
});

Deno.test("stylize() in palette mode returns a picture in the painting's colour mean and covariance", async () => {
  await withRun([64, 48], [64, 48], async (net, images) => {
    const recipe = defaultRecipe(net, {
      size: 64,
      iterations: 3,
      colour: { mode: "palette", match: "mk" },
    });
    const { result } = await runAll(stylize(net, images, recipe, { previewEvery: 0 }));
    const [out, painting, photo] = await Promise.all(
      [result.image, images.styles[0], images.content].map(colourStats),
    );
    // The output is mapped to the painting's statistics after the run; only the final clip to
    // [0, 1] moves them, by little on these images.
    close(out.mean, painting.mean, 0.01);
    close(out.cov.flat(), painting.cov.flat(), 0.01);
    // The photo's own colours are far from the painting's: the match did something.
    assert.ok(
      Math.hypot(...photo.mean.map((m, c) => m - painting.mean[c])) > 0.05,
      `photo mean ${photo.mean} vs painting ${painting.mean}`,
    );
    tf.dispose(result.image);
  });
});
