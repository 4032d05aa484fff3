/** stylize() on a real network (Darknet-tiny, 64 px, shared/images). */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { setupTf, tf } from "../_tf.ts";
import { loadImage, ROOT, sharedImage } from "../_images.ts";
import { loadNet } from "../../src/shared/nets/loader.ts";
import type { Net } from "../../src/shared/nets/net.ts";
import { createRunObjective } from "../../src/shared/features.ts";
import { defaultRecipe, makeRecipe, parseRecipe } from "../../src/shared/recipe.ts";
import { finishOutput, stylize } from "../../src/shared/render.ts";
import { finishColour, prepareColour } from "../../src/shared/colour/control.ts";
import { gaussianW2 } from "../../src/shared/metrics/colour.ts";
import type { RecipeInput } from "../../src/shared/types.ts";
import { collect as runAll } from "../_run.ts";

async function withRun(
  fn: (net: Net, images: { content: tf.Tensor4D; styles: tf.Tensor4D[] }) => Promise<void>,
) {
  await setupTf();
  const before = tf.memory().numTensors;
  const net = await loadNet(pathToFileURL(join(ROOT, "static/models/darknet-tiny/manifest.json")));
  const content = await loadImage(sharedImage("content/chelsea.png"), [64, 48]);
  const style = await loadImage(sharedImage("style/starry_night.jpg"), 64);
  try {
    await fn(net, { content, styles: [style] });
  } finally {
    tf.dispose([content, style]);
    net.dispose();
  }
  assert.equal(tf.memory().numTensors, before, "stylize() left tensors behind");
}

const recipe = (net: Net, over: Partial<RecipeInput> = {}) =>
  defaultRecipe(net, { size: 64, iterations: 20, ...over });

Deno.test("stylize() lowers the total loss by a large factor in 20 L-BFGS iterations", async () => {
  await withRun(async (net, images) => {
    const { events, result } = await runAll(stylize(net, images, recipe(net), { previewEvery: 5 }));
    assert.equal(events.length, 20);
    const first = events[0].losses.total;
    assert.ok(result.loss < first / 10, `loss ${first} -> ${result.loss}`);
    // Each term is reported and they add up to the total (tv weight is 0 by default).
    const e = events[19];
    assert.ok(
      Math.abs(e.losses.content + e.losses.style + e.losses.tv - e.losses.total) <
        1e-3 * e.losses.total,
    );
    assert.ok(events[4].preview && events[4].preview.rgba.length === 64 * 48 * 4);
    assert.equal(events[3].preview, undefined);
    assert.deepEqual(result.image.shape, [1, 48, 64, 3]);
    assert.equal(result.aborted, false);
    result.image.dispose();
  });
});

Deno.test("stylize() is bit-identical when repeated with the same seed (noise + Adam, content + L-BFGS)", async () => {
  await withRun(async (net, images) => {
    const r = recipe(net, {
      init: "noise",
      iterations: 8,
      optimizer: { kind: "adam", learningRate: 0.05 },
      seed: 42,
    });
    const a = await runAll(stylize(net, images, r, { previewEvery: 0 }));
    const b = await runAll(stylize(net, images, r, { previewEvery: 0 }));
    const c = await runAll(stylize(net, images, { ...r, seed: 43 }, { previewEvery: 0 }));
    assert.deepEqual(await a.result.image.data(), await b.result.image.data());
    assert.deepEqual(a.events.map((e) => e.losses), b.events.map((e) => e.losses));
    assert.notDeepEqual(await a.result.image.data(), await c.result.image.data());
    // The default L-BFGS from the content image replays exactly too.
    const l = recipe(net, { iterations: 4 });
    const d = await runAll(stylize(net, images, l, { previewEvery: 0 }));
    const e = await runAll(stylize(net, images, l, { previewEvery: 0 }));
    assert.deepEqual(await d.result.image.data(), await e.result.image.data());
    tf.dispose([a.result.image, b.result.image, c.result.image, d.result.image, e.result.image]);
  });
});

Deno.test("stylize() stops promptly when aborted and returns the best image so far", async () => {
  await withRun(async (net, images) => {
    const ac = new AbortController();
    let abortedAt = 0;
    const { events, result } = await runAll(
      stylize(net, images, recipe(net, { iterations: 500 }), {
        signal: ac.signal,
        previewEvery: 0,
      }),
      (e) => {
        if (e.iteration === 3) {
          ac.abort();
          abortedAt = performance.now();
        }
      },
    );
    const stopMs = performance.now() - abortedAt;
    assert.equal(result.aborted, true);
    assert.equal(events.length, 3);
    assert.ok(stopMs < 2000, `took ${stopMs} ms to stop`);
    assert.equal(result.loss, Math.min(...events.map((e) => e.losses.total)));
    result.image.dispose();
  });
});

Deno.test("stylize() can be aborted inside an iteration (between line-search evaluations)", async () => {
  await withRun(async (net, images) => {
    // A signal that reads "not aborted" at the start of iteration 2 and "aborted" from the next
    // read on, which only an evaluation inside that iteration makes: if the abort were checked
    // between iterations only, iteration 2 would complete and yield a second event.
    let reads = 0;
    let armed = false;
    let readsAtArm = 0;
    const signal = {
      get aborted() {
        reads++;
        return armed && reads > readsAtArm + 1;
      },
    } as unknown as AbortSignal;
    const { events, result } = await runAll(
      stylize(net, images, recipe(net, { iterations: 500 }), { signal, previewEvery: 0 }),
      () => {
        armed = true;
        readsAtArm = reads;
      },
    );
    assert.equal(result.aborted, true);
    assert.equal(events.length, 1, "iteration 2 ran to its end: the abort was not seen inside it");
    assert.equal(result.iterations, 1);
    // Exactly two reads after arming: the check before iteration 2 (false), then the one at its
    // first evaluation (true), which stopped it.
    assert.equal(reads, readsAtArm + 2);
    result.image.dispose();
  });
});

Deno.test("stylize() rejects bad input with clear errors before any work", async () => {
  await withRun(async (net, images) => {
    const bad = async (over: Partial<RecipeInput>, imgs = images) => {
      const gen = stylize(net, imgs, { ...recipe(net), ...over });
      await gen.next();
    };
    await assert.rejects(
      () => bad({ layers: { content: [], style: [{ layer: "conv99", weight: 1 }] } }),
      /Unknown layer "conv99" for network darknet-tiny/,
    );
    await assert.rejects(() => bad({ iterations: 0 }), /Invalid recipe: iterations: Too small/);
    await assert.rejects(
      () => bad({ net: { id: "resnet50", pooling: "max" } }),
      /asks for network "resnet50" but "darknet-tiny" is loaded/,
    );
    await assert.rejects(
      () => bad({}, { content: images.content, styles: [] }),
      /0 style images given, the recipe lists 1/,
    );
    await assert.rejects(
      () => bad({ layers: { content: [], style: [{ layer: "logits", weight: 1 }] } }),
      /needs the classifier head|classifier output/,
    );
  });
});

Deno.test("stylize() accepts a style image thinner than the network minimum", async () => {
  await withRun(async (net, images) => {
    const thin = tf.image.resizeBilinear(images.styles[0], [20, 64]) as tf.Tensor4D;
    const { events, result } = await runAll(
      stylize(net, { content: images.content, styles: [thin] }, recipe(net, { iterations: 2 }), {
        previewEvery: 0,
      }),
    );
    assert.equal(events.length, 2);
    tf.dispose([thin, result.image]);
  });
});

Deno.test("stylize() keeps transformed images at the network minimum (48 px, scale 0.95)", async () => {
  await withRun(async (net, images) => {
    const small = tf.image.resizeBilinear(images.content, [32, 48]) as tf.Tensor4D;
    const r = recipe(net, {
      size: 48,
      iterations: 2,
      transforms: { pad: 0, jitter: 2, scales: [0.95], angles: [] },
    });
    const { events, result } = await runAll(
      stylize(net, { content: small, styles: images.styles }, r, { previewEvery: 0 }),
    );
    assert.equal(events.length, 2);
    assert.deepEqual(result.image.shape, [1, 32, 48, 3]);
    tf.dispose([small, result.image]);
  });
});

Deno.test("stylize() runs with Fourier parameterisation, transforms and SWAG together", async () => {
  await withRun(async (net, images) => {
    // Max pooling, as this test was calibrated with (Darknet-tiny's default is now average
    // pooling, issue 12): from noise, 6 Adam steps lowered the loss by 6.5% with average pooling
    // (2.83e9 -> 2.65e9), by more than the asserted 10% with max pooling.
    // Lucid's way, a new draw per step: not onto Darknet-tiny's default fixed views.
    const r = makeRecipe(net.manifest, {
      base: { transforms: null },
      overrides: {
        size: 64,
        net: { id: net.id, pooling: "max" },
        iterations: 6,
        init: "noise",
        optimizer: { kind: "adam", learningRate: 0.05 },
        param: { kind: "fourier", decorrelate: true },
        transforms: { pad: 4, jitter: 2, scales: [0.9, 1, 1.1], angles: [-5, 0, 5] },
        swag: true,
      },
    });
    assert.equal(r.transforms?.views, undefined);
    const { events, result } = await runAll(stylize(net, images, r, { previewEvery: 0 }));
    assert.equal(events.length, 6);
    assert.ok(events.every((e) => Number.isFinite(e.losses.total)));
    // The three fixes together still optimise: the best loss is well below the start's, and
    // the returned image is no longer the noise start (a grey-ish image: lucid's small spectrum).
    assert.ok(
      result.loss < 0.9 * events[0].losses.total,
      `loss ${events[0].losses.total} -> ${result.loss}`,
    );
    const spread = tf.tidy(() => tf.moments(result.image).variance);
    assert.ok((await spread.data())[0] > 1e-4, "the output is still the flat noise start");
    tf.dispose([spread, result.image]);
  });
});

Deno.test("stylize() optimises through MobileNet's depthwise convolutions on this backend", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const net = await loadNet(pathToFileURL(join(ROOT, "static/models/mobilenet-v1/manifest.json")));
  const content = await loadImage(sharedImage("content/coffee.png"), 48);
  const style = await loadImage(sharedImage("style/the_scream.jpg"), 48);
  const { events, result } = await runAll(
    stylize(net, { content, styles: [style] }, defaultRecipe(net, { size: 48, iterations: 3 }), {
      previewEvery: 0,
    }),
  );
  assert.ok(events[2].losses.total < events[0].losses.total);
  tf.dispose([content, style, result.image]);
  net.dispose();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("stylize() holds a flat number of tensors once the L-BFGS history is full", async () => {
  await withRun(async (net, images) => {
    const counts: number[] = [];
    const { result } = await runAll(
      stylize(
        net,
        images,
        // 16 iterations: the first pairs enter the history after 4-7 iterations (when depends on
        // float rounding, e.g. of the Gram products), so the last 4 follow a full history.
        recipe(net, { iterations: 16, optimizer: { kind: "lbfgs", history: 3 } }),
        {
          previewEvery: 0,
        },
      ),
      () => counts.push(tf.memory().numTensors),
    );
    // The history holds at most m = 3 (s, y) pairs: the count rises by at most 2m over the first
    // count and, once the history is full, stays put.
    assert.ok(Math.max(...counts) <= counts[0] + 6, `tensor counts ${counts}`);
    assert.equal(new Set(counts.slice(-4)).size, 1, `tensor counts ${counts}`);
    result.image.dispose();
  });
});

Deno.test("stylize() refuses style images whose weights sum to 0 before allocating anything", async () => {
  await withRun(async (net, images) => {
    const gen = stylize(net, images, recipe(net, { styles: [{ name: "s", weight: 0 }] }));
    await assert.rejects(() => gen.next(), /weights sum to 0/);
    const all0 = stylize(net, images, recipe(net, { weights: { content: 0, style: 0, tv: 0 } }));
    await assert.rejects(() => all0.next(), /Loss weights are all 0/);
    // withRun() checks that no tensor was left behind.
  });
});

Deno.test("stylize() frees the gradient when reading the loss back fails", async () => {
  await withRun(async (net, images) => {
    // A backend whose readback fails (a lost GPU device): every data() call rejects.
    const data = tf.Tensor.prototype.data;
    tf.Tensor.prototype.data = function () {
      return Promise.reject(new Error("device lost"));
    };
    try {
      const gen = stylize(net, images, recipe(net, { iterations: 2 }), { previewEvery: 0 });
      await assert.rejects(() => runAll(gen), /device lost/);
    } finally {
      tf.Tensor.prototype.data = data;
    }
    // withRun() checks that no tensor (the gradient included) was left behind.
  });
});

Deno.test("stylize() under Adam returns the image whose loss it reports", async () => {
  await withRun(async (net, images) => {
    // Decorrelated pixels go through a sigmoid, so the returned image is not clipped and its
    // loss can be recomputed exactly from it. The images as given (no colour control), so that
    // the returned image is the optimised one and the objective sees the run's images.
    const r = parseRecipe(recipe(net, {
      colour: { mode: "none", match: "pca" },
      iterations: 5,
      optimizer: { kind: "adam", learningRate: 0.2 },
      param: { kind: "pixel", decorrelate: true },
    }));
    const { events, result } = await runAll(stylize(net, images, r, { previewEvery: 0 }));
    const objective = createRunObjective(net, images, r);
    objective.begin(0);
    const total = tf.tidy(() => objective.evaluate(result.image).total);
    const recomputed = (await total.data())[0];
    tf.dispose([total, result.image]);
    objective.dispose();
    assert.equal(result.loss, Math.min(...events.map((e) => e.losses.total)));
    // Same ops on the same pixels: equal to float rounding. The next Adam point (what used to
    // be returned with this loss) differs by far more at learning rate 0.2.
    assert.ok(
      Math.abs(recomputed - result.loss) <= 1e-5 * result.loss,
      `returned image has loss ${recomputed}, reported ${result.loss}`,
    );
  });
});

Deno.test("stylize() reports the accepted point's terms and the evaluations of each iteration", async () => {
  await withRun(async (net, images) => {
    const r = recipe(net, { iterations: 4, weights: { content: 1, style: 1e4, tv: 10 } });
    const { events, result } = await runAll(stylize(net, images, r, { previewEvery: 0 }));
    for (const e of events) {
      const { total, content, style, tv } = e.losses;
      // The terms are those of the point whose total is reported: they add up to it (float32
      // sums of three terms: a few ulps).
      assert.ok(
        Math.abs(content + style + tv - total) <= 1e-5 * total,
        `iteration ${e.iteration}: ${content} + ${style} + ${tv} != ${total}`,
      );
      assert.ok(e.iterationEvaluations >= 1);
    }
    let sum = 0;
    events.forEach((e) => assert.equal(e.evaluations, sum += e.iterationEvaluations));
    assert.equal(result.evaluations, sum);
    result.image.dispose();
  });
});

Deno.test("stylize() with supersample 2 returns its run reduced by 2, each 2x2 block averaged", async () => {
  await withRun(async (net, images) => {
    // The caller reads the images at runSides(): here the 64x48 content is the working size.
    // Without colour control (the palette's finish comes after the reduction: the next test).
    const r = recipe(net, { iterations: 3, colour: { mode: "none" } });
    const plain = await runAll(stylize(net, images, { ...r, supersample: 1 }, { previewEvery: 0 }));
    const twice = await runAll(stylize(net, images, { ...r, supersample: 2 }, { previewEvery: 0 }));
    try {
      assert.deepEqual(twice.result.image.shape, [1, 24, 32, 3]);
      // The factor changes no step of the run: the same iterates, then the reduction.
      assert.equal(twice.result.loss, plain.result.loss);
      const [a, b] = tf.tidy(() => [
        tf.avgPool(plain.result.image, 2, 2, "valid").dataSync(),
        twice.result.image.dataSync(),
      ]);
      assert.equal(a.length, b.length);
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      assert.ok(worst < 1e-6, `largest difference from the 2x2 means ${worst}`);
    } finally {
      tf.dispose([plain.result.image, twice.result.image]);
    }
  });
});

Deno.test("finishOutput() maps a supersampled run's reduced output to the palette, not the other way round", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // An 8x8 working image: a mid-grey gradient under a ±0.15 checkerboard, which the 2x
  // reduction averages away; the painting: a smooth 8x8 ramp of other colours. The palette
  // maps the reduced 4x4 output to the painting's colour mean and covariance (W2 under 1e-6,
  // float rounding); mapping first and averaging after (the order before) loses the
  // checkerboard's share of the variance: W2 over 1e-4.
  const [full, content, painting] = tf.tidy(() => {
    const y = tf.linspace(0, 1, 8).reshape([1, 8, 1, 1]).tile([1, 1, 8, 1]);
    const x = tf.linspace(0, 1, 8).reshape([1, 1, 8, 1]).tile([1, 8, 1, 1]);
    // Three channels of independent shape (full-rank colour covariances).
    const rgb = (a: tf.Tensor, b: tf.Tensor) => tf.concat([a, b, tf.mul(a, b)], 3);
    const checker = tf.mul(
      tf.sub(tf.mod(tf.round(tf.add(tf.mul(y, 7), tf.mul(x, 7))), 2), 0.5),
      0.3,
    );
    const f = tf.add(tf.add(tf.mul(rgb(x, tf.square(y)), 0.3), 0.35), checker) as tf.Tensor4D;
    const p = tf.add(tf.mul(rgb(tf.square(x), y), 0.2), 0.4) as tf.Tensor4D;
    return [f, tf.clone(f), p];
  });
  const spec = { mode: "palette" as const, match: "pca" as const };
  const prepared = await prepareColour(content, [painting], spec);
  const out = await finishOutput(full, content, { supersample: 2, colour: spec }, prepared);
  const mappedFirst = await finishColour(content, content, spec, prepared);
  const averagedAfter = tf.avgPool(mappedFirst, 2, 2, "valid");
  try {
    assert.deepEqual(out.shape, [1, 4, 4, 3]);
    const p = painting.dataSync();
    const w2 = gaussianW2(out.dataSync(), p);
    const old = gaussianW2(averagedAfter.dataSync(), p);
    assert.ok(w2 < 1e-6, `reduced, then mapped: W2 ${w2}`);
    assert.ok(old > 1e-4, `mapped, then reduced: W2 ${old}`);
  } finally {
    tf.dispose([
      out,
      mappedFirst,
      averagedAfter,
      content,
      painting,
      prepared.content,
      ...prepared.styles,
    ]);
  }
  assert.equal(tf.memory().numTensors, before, "tensors left behind");
});
