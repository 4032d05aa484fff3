/**
 * createRunObjective() wires a recipe's style statistic, SWAG variant and anti-aliasing into
 * every forward pass of a run (targets and output), on the real Darknet-tiny at 64 px.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { setupTf, tf } from "../_tf.ts";
import { loadImage, ROOT, sharedImage } from "../_images.ts";
import { loadNet } from "../../src/shared/nets/loader.ts";
import type { Net } from "../../src/shared/nets/net.ts";
import { createRunObjective, reduceOctaves, viewSeed } from "../../src/shared/features.ts";
import { atLeastMinSize } from "../../src/shared/image.ts";
import { makeRecipe } from "../../src/shared/recipe.ts";
import {
  buildStyleObjective,
  createStyleStatistic,
  gram,
  layeredStatisticLoss,
  statisticTargets,
} from "../../src/shared/losses/mod.ts";
import { swag } from "../../src/shared/smoothing/swag.ts";
import type { Recipe, RecipeInput } from "../../src/shared/types.ts";

const MANIFEST = pathToFileURL(join(ROOT, "static/models/darknet-tiny/manifest.json"));

interface Run {
  net: Net;
  content: tf.Tensor4D;
  style: tf.Tensor4D;
  /** An image that is neither the content nor the style. */
  other: tf.Tensor4D;
}

async function withNet(fn: (run: Run) => Promise<void>) {
  await setupTf();
  const before = tf.memory().numTensors;
  const net = await loadNet(MANIFEST);
  const content = await loadImage(sharedImage("content/chelsea.png"), [64, 48]);
  const style = await loadImage(sharedImage("style/starry_night.jpg"), 64);
  const other = tf.tidy(() =>
    tf.clipByValue(tf.add(content, tf.randomNormal([1, 48, 64, 3], 0, 0.1, "float32", 3)), 0, 1)
  ) as tf.Tensor4D;
  try {
    await fn({ net, content, style, other });
  } finally {
    tf.dispose([content, style, other]);
    net.dispose();
  }
  assert.equal(tf.memory().numTensors, before, "tensors left behind");
}

// The recipe pools as the net was loaded (max), so that the expected values built here with
// plain net.forward() see the same features as the run objective (Darknet-tiny's default
// pooling is average since issue 12, and the run passes the recipe's pooling to every pass).
// It takes no views but the test's own: the expected values here are built on the image as it is
// (Darknet-tiny's default has four fixed views since the fourteenth session).
const recipeOf = (net: Net, over: Partial<RecipeInput> = {}): Recipe =>
  makeRecipe(net.manifest, {
    base: { transforms: null },
    overrides: {
      size: 64,
      iterations: 1,
      net: { id: net.id, pooling: net.pooling },
      ...over,
    },
  });

/** Each weighted term of the run objective of `recipe` at `image`. */
/** Asserts 0 <= `value` <= 1e-5·`scale`: a loss that is 0 up to float32 rounding of its sums. */
function nearZero(value: number, scale: number, what: string) {
  assert.ok(value >= 0 && value <= 1e-5 * scale, `${what}: ${value} against ${scale}`);
}

async function terms(
  net: Net,
  images: { content: tf.Tensor4D; styles: tf.Tensor4D[] },
  recipe: Recipe,
  image: tf.Tensor4D,
  seed = 0,
): Promise<Record<string, number>> {
  const objective = createRunObjective(net, images, recipe);
  try {
    objective.begin(seed);
    const names = ["total", "content", "style", "tv"];
    const v = tf.tidy(() => {
      const { total, terms } = objective.evaluate(image);
      return tf.stack([total, terms.content, terms.style, terms.tv]);
    });
    const values = await v.data();
    v.dispose();
    return Object.fromEntries(names.map((k, i) => [k, values[i]]));
  } finally {
    objective.dispose();
  }
}

Deno.test("createRunObjective() of an old recipe (Gram, SWAG true) gives the loss it gave before, bit for bit", async () => {
  await withNet(async ({ net, content, style, other }) => {
    for (const smooth of [false, true]) {
      // An old recipe has no style statistic (today's default adds the activation shift).
      const { style: _today, ...recipe } = recipeOf(net, {
        swag: smooth,
        weights: { content: 1, style: 1e4, tv: 10 },
      });
      const got = await terms(net, { content, styles: [style] }, recipe, other);
      // The objective as the run built it before the wiring: raw forward, whole-map SWAG as
      // softmax·size, one Gram per layer, buildStyleObjective() on styleGrams.
      const old = (x: tf.Tensor4D, layers: string[]) => {
        const raw = net.forward(x, layers);
        if (!smooth) return raw;
        return Object.fromEntries(
          Object.entries(raw).map(([k, v]) => [k, tf.mul(swag(v), v.size) as tf.Tensor4D]),
        );
      };
      const contentLayers = recipe.layers.content.map((l) => l.layer);
      const styleLayers = recipe.layers.style.map((l) => l.layer);
      const want = tf.tidy(() => {
        const styleGrams = Object.fromEntries(
          styleLayers.map((l) => [l, tf.mul(gram(old(style, [l])[l]), 1) as tf.Tensor2D]),
        );
        const objective = buildStyleObjective({
          contentTargets: old(content, contentLayers),
          styleGrams,
          contentLayers: recipe.layers.content,
          styleLayers: recipe.layers.style,
          weights: recipe.weights,
        });
        const v = objective(old(other, [...new Set([...contentLayers, ...styleLayers])]), other);
        return tf.stack([v.total, v.terms.content, v.terms.style, v.terms.tv]);
      });
      const [total, c, s, tv] = await want.data();
      want.dispose();
      assert.ok(s > 0 && c > 0 && tv > 0, `every term is live: ${[c, s, tv]}`);
      assert.deepEqual(got, { total, content: c, style: s, tv }, `swag ${smooth}`);
    }
  });
});

Deno.test("createRunObjective() scores the style with the recipe's statistic, sliced seeded by the recipe", async () => {
  await withNet(async ({ net, content, style, other }) => {
    const images = { content, styles: [style] };
    for (
      const spec of [{ loss: "meancov" }, { loss: "sliced" }, {
        loss: "gram",
        normalize: "target",
      }] as const
    ) {
      const recipe = recipeOf(net, { style: spec });
      const got = await terms(net, images, recipe, other);
      // The same statistic and targets, built directly from the losses module.
      const stat = createStyleStatistic(recipe.style, { seed: recipe.seed });
      const layers = recipe.layers.style.map((l) => l.layer);
      const want = tf.tidy(() => {
        const targets = statisticTargets(stat, [net.forward(style, layers)], { weights: [1] });
        const loss = layeredStatisticLoss(stat, net.forward(other, layers), {
          targets,
          layers: recipe.layers.style,
        });
        return tf.mul(loss, recipe.weights.style);
      });
      const s = (await want.data())[0];
      want.dispose();
      assert.ok(
        Math.abs(got.style - s) <= 1e-4 * s,
        `${JSON.stringify(spec)}: style term ${got.style}, expected ${s}`,
      );
    }
    // The sliced directions follow the recipe's seed: another seed, another style term.
    const [a, b] = [
      await terms(net, images, recipeOf(net, { style: { loss: "sliced" }, seed: 1 }), other),
      await terms(net, images, recipeOf(net, { style: { loss: "sliced" }, seed: 2 }), other),
    ];
    assert.notEqual(a.style, b.style);
  });
});

Deno.test("createRunObjective() smooths the content, style and output features alike with SWAG options", async () => {
  await withNet(async ({ net, content, other }) => {
    // Painting = photo: at the photo itself both terms are 0 only if the targets went through
    // the same SWAG as the output's features (raw targets vs smoothed output differ). The style
    // term to float32 rounding: gramLoss()'s kernel form, for the deep layers, is a difference
    // of sums (style.ts).
    const images = { content, styles: [content] };
    for (const setting of [true, { over: "channels" as const, temperature: 2 }]) {
      const recipe = recipeOf(net, { swag: setting });
      const at = await terms(net, images, recipe, content);
      const away = await terms(net, images, recipe, other);
      assert.equal(at.content, 0, JSON.stringify(setting));
      nearZero(at.style, away.style, JSON.stringify(setting));
    }
    // And the variants are different objectives.
    const [map, channels] = [
      await terms(net, images, recipeOf(net, { swag: true }), other),
      await terms(
        net,
        images,
        recipeOf(net, { swag: { over: "channels", temperature: 1 } }),
        other,
      ),
    ];
    assert.notEqual(map.style, channels.style);
    // Gradient flows through the channel variant to the image.
    const recipe = recipeOf(net, { swag: { over: "channels", temperature: 2 } });
    const objective = createRunObjective(net, images, recipe);
    objective.begin(0);
    const g = tf.grad((x) => objective.evaluate(x as tf.Tensor4D).total)(other);
    const n = tf.norm(g);
    const norm = (await n.data())[0];
    tf.dispose([g, n]);
    objective.dispose();
    assert.ok(norm > 0 && Number.isFinite(norm), `gradient norm ${norm}`);
  });
});

Deno.test("createRunObjective() runs every forward pass anti-aliased when the recipe says so", async () => {
  await withNet(async ({ net, content, style, other }) => {
    const images = { content, styles: [style] };
    const off = await terms(net, images, recipeOf(net), other);
    const on = await terms(
      net,
      images,
      recipeOf(net, { net: { id: net.id, antialias: true } }),
      other,
    );
    assert.notEqual(on.total, off.total);
    assert.notEqual(on.style, off.style);
    // Targets are anti-aliased too: with painting = photo, the photo scores 0 (the style term to
    // float32 rounding, as above).
    const same = await terms(
      net,
      { content, styles: [content] },
      recipeOf(net, { net: { id: net.id, antialias: true } }),
      content,
    );
    assert.equal(same.content, 0);
    nearZero(same.style, on.style, "anti-aliased");
    // The recipe decides, not how the net was loaded: an anti-aliased load with a recipe that
    // leaves it off gives the plain numbers bit for bit, and loadNet() passes the option on.
    const aa = await loadNet(MANIFEST, { antialias: true });
    try {
      assert.equal(aa.antialias, true);
      assert.deepEqual(await terms(aa, images, recipeOf(aa), other), off);
    } finally {
      aa.dispose();
    }
  });
});

Deno.test("createRunObjective() pools as the recipe says, whatever pooling the net was loaded with", async () => {
  // The studio's worker keeps one loaded net for every run, so a recipe asking for average
  // pooling (Gatys et al. 2016) must get it from a net loaded with max pooling.
  await withNet(async ({ net, content, style, other }) => {
    const images = { content, styles: [style] };
    const avgRecipe = recipeOf(net, { net: { id: net.id, pooling: "avg" } });
    const maxRecipe = recipeOf(net, { net: { id: net.id, pooling: "max" } });
    const viaRecipe = await terms(net, images, avgRecipe, other);
    assert.notDeepEqual(viaRecipe, await terms(net, images, maxRecipe, other));
    const avg = await loadNet(MANIFEST, { pooling: "avg" });
    try {
      assert.deepEqual(await terms(avg, images, avgRecipe, other), viaRecipe);
      // And a net loaded with average pooling gives max pooling to a recipe that asks for it.
      assert.deepEqual(
        await terms(avg, images, maxRecipe, other),
        await terms(net, images, maxRecipe, other),
      );
    } finally {
      avg.dispose();
    }
  });
});

Deno.test("reduceOctaves() halves an image per octave by 2x2 means and drops odd edges", () => {
  const before = tf.memory().numTensors;
  // A 1x5x4x1 ramp 0..19 (row-major). One octave: 2x2 blocks of rows 0-1 and 2-3 (row 4
  // dropped): (0+1+4+5)/4 = 2.5, (2+3+6+7)/4 = 4.5, (8+9+12+13)/4 = 10.5, 12.5. Two octaves:
  // the mean of those four, 7.5.
  const x = tf.tidy(() => tf.reshape(tf.range(0, 20), [1, 5, 4, 1]) as tf.Tensor4D);
  assert.equal(reduceOctaves(x, 0), x);
  const one = reduceOctaves(x, 1), two = reduceOctaves(x, 2);
  assert.deepEqual([...one.dataSync()], [2.5, 4.5, 10.5, 12.5]);
  assert.deepEqual(two.shape, [1, 1, 1, 1]);
  assert.deepEqual([...two.dataSync()], [7.5]);
  tf.dispose([x, one, two]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("createRunObjective() with style octaves scores the mean of the style loss over octaves", async () => {
  await withNet(async ({ net, content, style, other }) => {
    const images = { content, styles: [style] };
    // Today's default statistic (the Gram with its activation shift), with two octaves.
    const base = recipeOf(net);
    const two = recipeOf(net, { style: { ...base.style, octaves: 2 } });
    assert.equal(two.style?.shift, -6);
    const one = await terms(net, images, base, other);
    const got = await terms(net, images, two, other);
    // Octave 1 by hand: the image and the painting average-pooled 2x2 (a 32x24 image, enlarged
    // to the network's 32 px minimum as every run input is), their Gram loss.
    const layers = base.layers.style.map((l) => l.layer);
    const coarse = tf.tidy(() => {
      const stat = createStyleStatistic(base.style, { seed: base.seed });
      const half = (x: tf.Tensor4D) => atLeastMinSize(tf.avgPool(x, 2, 2, "valid") as tf.Tensor4D);
      const targets = statisticTargets(stat, [net.forward(half(style), layers)], { weights: [1] });
      return tf.mul(
        layeredStatisticLoss(stat, net.forward(half(other), layers), {
          targets,
          layers: base.layers.style,
        }),
        base.weights.style,
      );
    });
    const c = (await coarse.data())[0];
    coarse.dispose();
    // Mean over the two octaves; content and TV as with one octave.
    const want = (one.style + c) / 2;
    assert.ok(
      c > 0 && Math.abs(c - one.style) > 1e-3 * c,
      `octave 1 differs: ${c} vs ${one.style}`,
    );
    assert.ok(Math.abs(got.style - want) <= 1e-5 * want, `style ${got.style}, expected ${want}`);
    assert.equal(got.content, one.content);
    assert.ok(Math.abs(got.total - (got.content + got.style + got.tv)) <= 1e-5 * got.total);
  });
});

Deno.test("createRunObjective() with fixed views scores the mean over views drawn once from the seed", async () => {
  await withNet(async ({ net, content, style, other }) => {
    const images = { content, styles: [style] };
    const transforms = { pad: 4, jitter: 4, scales: [], angles: [] };
    const drawn = recipeOf(net, { seed: 7, transforms });
    const fixed = recipeOf(net, { seed: 7, transforms: { ...transforms, views: 3 } });
    // Each view by hand: the per-iteration objective begun with that view's seed.
    const each = [];
    for (let k = 0; k < 3; k++) each.push(await terms(net, images, drawn, other, viewSeed(7, k)));
    assert.notEqual(each[0].style, each[1].style, "the views differ");
    // The iteration's seed does not change fixed views.
    for (const seed of [0, 12345]) {
      const got = await terms(net, images, fixed, other, seed);
      for (const k of ["total", "content", "style"]) {
        const want = each.reduce((a, t) => a + t[k], 0) / 3;
        assert.ok(Math.abs(got[k] - want) <= 1e-5 * want, `${k}: ${got[k]}, expected ${want}`);
      }
    }
    // Views of transforms that move no pixel are one view: the plain objective, bit for bit.
    const identity = { pad: 0, jitter: 0, scales: [1], angles: [0], views: 4 };
    assert.deepEqual(
      await terms(net, images, recipeOf(net, { seed: 7, transforms: identity }), other),
      await terms(net, images, recipeOf(net, { seed: 7 }), other),
    );
  });
});

Deno.test("createRunObjective() computes the content targets once when no transform moves a pixel", async () => {
  await withNet(async ({ net, content, style, other }) => {
    const images = { content, styles: [style] };
    // Transforms spelled out but all off (a recipe file may say so): the image is its own view.
    const off = recipeOf(net, {
      transforms: { pad: 0, jitter: 0, scales: [], angles: [], views: 4 },
    });
    const plain = recipeOf(net);
    const forward = net.forward.bind(net);
    let passes = 0;
    net.forward = (...args: Parameters<Net["forward"]>) => {
      passes++;
      return forward(...args);
    };
    try {
      for (const recipe of [off, plain]) {
        const objective = createRunObjective(net, images, recipe);
        try {
          const built = passes;
          for (const seed of [0, 1, 2]) {
            objective.begin(seed);
            tf.dispose(tf.tidy(() => objective.evaluate(other).total));
          }
          // One pass for the content targets, then one per evaluation: no views, no redraws.
          assert.equal(passes - built, 1 + 3, JSON.stringify(recipe.transforms));
        } finally {
          objective.dispose();
        }
      }
      // And both give the same loss.
      assert.deepEqual(
        await terms(net, images, off, other, 5),
        await terms(net, images, plain, other, 5),
      );
    } finally {
      net.forward = forward;
    }
  });
});
