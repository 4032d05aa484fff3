/** makeRecipe(): architecture defaults < base < overrides, one validated Recipe for every face. */
import assert from "node:assert/strict";
import { ARCH_DEFAULTS, type ArchDefaults, PRESETS } from "../../src/shared/presets.ts";
import { makeRecipe } from "../../src/shared/recipe.ts";
import { runSides, styleWeightFor, supersampleFor } from "../../src/shared/recipe_defaults.ts";

/**
 * Runs `fn` with a made-up architecture `name`: Darknet-tiny's defaults with `over` on top,
 * registered in ARCH_DEFAULTS for the call only.
 */
function withArch(
  name: string,
  over: Partial<ArchDefaults>,
  fn: (net: { id: string; architecture: string }) => void,
): void {
  // Darknet-tiny's defaults without its views, whose own style and weights would replace the
  // test's at the views' sizes.
  const { transforms: _, ...darknet } = ARCH_DEFAULTS["darknet-tiny"];
  ARCH_DEFAULTS[name] = { ...darknet, ...over };
  try {
    fn({ id: "x", architecture: name });
  } finally {
    delete ARCH_DEFAULTS[name];
  }
}

Deno.test("makeRecipe() takes defaults by architecture, so an imported model id gets them too", () => {
  // An imported VGG-19 under its own id: the id is not a key of ARCH_DEFAULTS, the architecture
  // is, and VGG's default is average pooling (Gatys et al.), not the schema's "max".
  const r = makeRecipe({ id: "vgg19-torchvision", architecture: "vgg19" });
  assert.equal(r.net.id, "vgg19-torchvision");
  assert.equal(r.net.pooling, "avg");
  assert.deepEqual(r.layers, ARCH_DEFAULTS.vgg19.layers);
  assert.deepEqual(r.weights, { content: 1, style: 1e4, tv: 0 });
  const robust = makeRecipe({ id: "robust-resnet50-l2-3", architecture: "resnet50" });
  assert.deepEqual(robust.layers, ARCH_DEFAULTS.resnet50.layers);
  assert.throws(
    () => makeRecipe({ id: "x", architecture: "constructor" }),
    /No defaults for architecture "constructor"/,
  );
});

Deno.test("makeRecipe() layers base over defaults and overrides over base, one level deep", () => {
  const preset = PRESETS.find((p) => p.id === "lucid-fourier-transforms")!;
  const r = makeRecipe({ id: "resnet50", architecture: "resnet50" }, {
    base: [{ seed: 5, weights: { content: 2, style: 10, tv: 0 } }, preset.recipe],
    overrides: { weights: { tv: 3 }, transforms: { pad: 0 }, iterations: 7 },
  });
  assert.equal(r.seed, 5); // from the first base; the preset does not set it
  assert.equal(r.iterations, 7);
  // The preset replaced the file's weights (its own are the ResNet defaults); --tv changed one.
  assert.deepEqual(r.weights, { content: 1, style: 1e4, tv: 3 });
  assert.deepEqual(r.transforms, {
    pad: 0,
    jitter: 8,
    scales: [0.95, 1, 1.05],
    angles: [-5, 0, 5],
  });
  assert.deepEqual(r.optimizer, { kind: "adam", learningRate: 0.05 });
  // Switching optimizer kind takes the new kind's default, not the old kind's fields.
  const s = makeRecipe({ id: "resnet50", architecture: "resnet50" }, {
    overrides: { optimizer: { kind: "adam" } },
  });
  assert.deepEqual(s.optimizer, { kind: "adam", learningRate: 0.02 });
});

Deno.test("makeRecipe() merges a pyramid field by field, and null removes one set below", () => {
  const net = { id: "darknet-tiny", architecture: "darknet-tiny" };
  const base = { pyramid: { minSize: 96 }, styleScale: 0.5 };
  const merged = makeRecipe(net, { base, overrides: { pyramid: { step: 2 } } });
  // minSize from the base, step from the overrides, coarseShare from RECIPE_DEFAULTS.
  assert.deepEqual(merged.pyramid, { minSize: 96, step: 2, coarseShare: 1.5 });
  assert.equal(merged.styleScale, 0.5);
  const off = makeRecipe(net, { base, overrides: { pyramid: null } });
  assert.equal(off.pyramid, undefined);
  assert.equal("pyramid" in off, false);
  // Old recipes have neither field and keep neither.
  const old = makeRecipe(net);
  assert.equal(old.pyramid, undefined);
  assert.equal(old.styleScale, undefined);
});

Deno.test("makeRecipe() takes a pyramid and a style scale from an architecture's defaults", () => {
  withArch("test-pyramid", {
    pyramid: { minSize: 64 },
    styleScale: 2,
  }, (net) => {
    const r = makeRecipe(net);
    assert.deepEqual(r.pyramid, { minSize: 64, step: Math.SQRT2, coarseShare: 1.5 });
    assert.equal(r.styleScale, 2);
  });
});

Deno.test("makeRecipe() takes the style statistic, anti-aliasing, SWAG and parameterisation from an architecture's defaults", () => {
  withArch("test-fixes", {
    style: { loss: "gram", normalize: "target" },
    antialias: true,
    swag: { over: "channels", temperature: 2 },
    param: { kind: "pixel", decorrelate: true },
  }, (net) => {
    const r = makeRecipe(net);
    // RecipeSchema fills the unused sliced/mean-cov fields with its defaults (64, 15).
    assert.deepEqual(r.style, {
      loss: "gram",
      normalize: "target",
      projections: 64,
      iterations: 15,
    });
    assert.equal(r.net.antialias, true);
    assert.deepEqual(r.swag, { over: "channels", temperature: 2 });
    assert.deepEqual(r.param, { kind: "pixel", decorrelate: true });
    // The caller's choice wins over the architecture's.
    const o = makeRecipe(net, {
      overrides: {
        style: { loss: "sliced" },
        net: { antialias: false },
        swag: false,
        param: { decorrelate: false },
      },
    });
    assert.deepEqual(o.param, { kind: "pixel", decorrelate: false });
    assert.equal(o.style?.loss, "sliced");
    assert.equal(o.style?.normalize, undefined);
    assert.equal(o.net.antialias, false);
    assert.equal(o.swag, false);
  });
});

Deno.test("the literature presets keep the article's recipe whatever the tuned defaults are", () => {
  // Nakano 2019 ran Gatys's Gram loss (channel scale), beta 1e4, four stage outputs at equal
  // weight, max pooling, one scale, no colour control, plain pixels, no supersampling: a preset on top of our tuned ResNet-50
  // default must give exactly that back, not the default's statistic, weights, pooling, pyramid
  // or palette.
  for (const id of ["nakano2019-resnet50", "nakano2019-robust-resnet50"]) {
    const preset = PRESETS.find((p) => p.id === id)!;
    const r = makeRecipe({ id: "resnet50", architecture: "resnet50" }, { base: preset.recipe });
    assert.equal(r.style?.loss, "gram");
    assert.equal(r.style?.normalize, "channels");
    assert.equal(r.style?.shift, undefined, "the plain Gram, not the default's shift");
    assert.deepEqual(r.weights, { content: 1, style: 1e4, tv: 0 });
    assert.equal(r.net.pooling, "max");
    assert.equal(r.net.antialias ?? false, false);
    assert.equal(r.pyramid, undefined);
    assert.deepEqual(r.colour, { mode: "none", match: "pca" });
    assert.deepEqual(r.param, { kind: "pixel", decorrelate: false });
    assert.equal(r.supersample, 1, "at the output's size, not supersampled");
    assert.deepEqual(r.layers.style.map((l) => [l.layer, l.weight]), [
      ["res2c", 1],
      ["res3d", 1],
      ["res4f", 1],
      ["res5c", 1],
    ]);
  }
});

Deno.test("styleWeightFor() interpolates the style weight in log size and log weight, held beyond the ends", () => {
  const d = {
    ...ARCH_DEFAULTS["darknet-tiny"],
    weights: { content: 1, style: 7, tv: 0 },
    styleWeightBySize: [[256, 1e5], [512, 1e7], [1024, 1e8]] as const,
  };
  assert.equal(styleWeightFor(d, 256), 1e5);
  assert.equal(styleWeightFor(d, 512), 1e7);
  // Half way in log size (256·√2) is half way in log weight: 10^6; 1024/√2 is 10^7.5, kept to
  // 3 significant digits; 384 = 256·1.5 is 10^(5 + 2·log2 1.5) = 1.48e6.
  assert.equal(styleWeightFor(d, 256 * Math.SQRT2), 1e6);
  assert.equal(styleWeightFor(d, 1024 / Math.SQRT2), 3.16e7);
  assert.equal(styleWeightFor(d, 384), 1.48e6);
  // Beyond the ends: the end values.
  assert.equal(styleWeightFor(d, 64), 1e5);
  assert.equal(styleWeightFor(d, 4096), 1e8);
  // Without a table: the weights' own style weight, at every size.
  assert.equal(styleWeightFor({ ...d, styleWeightBySize: undefined }, 4096), 7);
});

Deno.test("makeRecipe() takes a default style weight by output size, unless a base or the caller sets one", () => {
  withArch("test-size", {
    weights: { content: 1, style: 3, tv: 0 },
    styleWeightBySize: [[256, 1e5], [512, 1e7]],
  }, (net) => {
    assert.equal(makeRecipe(net).weights.style, 1e5); // RECIPE_DEFAULTS.size, 256
    assert.equal(makeRecipe(net, { overrides: { size: 512 } }).weights.style, 1e7);
    assert.equal(makeRecipe(net, { overrides: { size: 2048 } }).weights.style, 1e7);
    // The other weights stay the architecture's.
    assert.deepEqual(makeRecipe(net, { overrides: { size: 512, weights: { tv: 2 } } }).weights, {
      content: 1,
      style: 1e7,
      tv: 2,
    });
    // A style weight set anywhere wins, at any size: a replayed recipe keeps its own.
    const set = { weights: { style: 42 } };
    assert.equal(makeRecipe(net, { base: set, overrides: { size: 512 } }).weights.style, 42);
    assert.equal(makeRecipe(net, { overrides: { size: 512, ...set } }).weights.style, 42);
    // A studio layer with the weight left unset ("use the default") does not count as set.
    const unset = { size: 512, weights: { content: undefined, style: undefined } };
    assert.equal(makeRecipe(net, { overrides: unset }).weights.style, 1e7);
  });
});

Deno.test("makeRecipe() takes an architecture's TV order with its TV weight, not under a weight set above", () => {
  withArch("test-tv", {
    weights: { content: 1, style: 1e5, tv: 3 },
    tvOrder: 4,
  }, (net) => {
    assert.equal(makeRecipe(net).tvOrder, 4);
    // The caller's order wins, with or without a weight of its own.
    assert.equal(makeRecipe(net, { overrides: { tvOrder: 2 } }).tvOrder, 2);
    assert.equal(makeRecipe(net, { overrides: { tvOrder: 2, weights: { tv: 9 } } }).tvOrder, 2);
    // A TV weight set in a base (an old recipe file) or by the caller was meant for its own
    // order: absent, 1.
    assert.equal(makeRecipe(net, { base: { weights: { tv: 1 } } }).tvOrder, undefined);
    assert.equal(makeRecipe(net, { overrides: { weights: { tv: 1 } } }).tvOrder, undefined);
    // Other weights set leave the TV pair alone; a weight left unset does not count.
    const r = makeRecipe(net, { overrides: { weights: { style: 7, tv: undefined } } });
    assert.equal(r.tvOrder, 4);
    assert.equal(r.weights.tv, 3);
  });
});

Deno.test("RecipeSchema refuses a TV order outside 1..4 by name", () => {
  const net = { id: "x", architecture: "darknet-tiny" };
  for (const tvOrder of [0, 5, 2.5]) {
    assert.throws(() => makeRecipe(net, { overrides: { tvOrder } }), /tvOrder/);
  }
  assert.equal(makeRecipe(net, { overrides: { tvOrder: 4 } }).tvOrder, 4);
});

Deno.test("makeRecipe() grows a default TV weight with the style weight by size, keeping their balance", () => {
  withArch("test-size-tv", {
    weights: { content: 1, style: 1e5, tv: 3 },
    styleWeightBySize: [[256, 1e5], [512, 1e7]],
  }, (net) => {
    // 3 · style / 1e5: 3 at 256 px, 300 at 512, 3 · 1.48e6 / 1e5 = 44.4 at 384.
    assert.equal(makeRecipe(net).weights.tv, 3);
    assert.equal(makeRecipe(net, { overrides: { size: 512 } }).weights.tv, 300);
    assert.equal(makeRecipe(net, { overrides: { size: 384 } }).weights.tv, 44.4);
    // A TV weight set anywhere is kept; a style weight set anywhere stops both following size.
    const tv = { weights: { tv: 5 } };
    assert.equal(makeRecipe(net, { base: tv, overrides: { size: 512 } }).weights.tv, 5);
    const style = { size: 512, weights: { style: 42 } };
    assert.deepEqual(makeRecipe(net, { overrides: style }).weights, {
      content: 1,
      style: 42,
      tv: 3,
    });
  });
});

Deno.test("Darknet-tiny's default paints in decorrelated colour with a fourth-order TV; content weight 2 and shift -6 with its views", () => {
  const net = { id: "darknet-tiny", architecture: "darknet-tiny" };
  const r = makeRecipe(net);
  assert.deepEqual(r.param, { kind: "pixel", decorrelate: true });
  assert.equal(r.tvOrder, 4);
  assert.deepEqual(r.weights, { content: 2, style: 1e5, tv: 3 });
  assert.equal(r.style?.shift, -6);
  const at512 = makeRecipe(net, { overrides: { size: 512 } });
  assert.deepEqual(at512.weights, { content: 2, style: 1e6, tv: 30 });
  assert.equal(at512.style?.shift, -6);
  // Beyond the views' sizes, the fields measured without them: content 1, shift -3.
  const at768 = makeRecipe(net, { overrides: { size: 768 } });
  assert.equal(at768.transforms, undefined);
  assert.deepEqual(at768.weights, { content: 1, style: 1e6, tv: 30 });
  assert.equal(at768.style?.shift, -3);
  // A layer's own fields win at every size, as over the defaults.
  const own = makeRecipe(net, { overrides: { weights: { content: 5 }, style: { shift: -1 } } });
  assert.equal(own.weights.content, 5);
  assert.equal(own.style?.shift, -1);
});

Deno.test("the shipped networks' defaults shift the Gram (Darknet-tiny by -6, the others by -3); a statistic set above replaces it", () => {
  const shifts: Record<string, number> = {
    "darknet-tiny": -6,
    "mobilenet-v1": -3,
    resnet50: -3,
  };
  for (const [architecture, shift] of Object.entries(shifts)) {
    const net = { id: architecture, architecture };
    assert.equal(makeRecipe(net).style?.loss, "gram");
    assert.equal(makeRecipe(net).style?.shift, shift, architecture);
    // --style-loss gram (or a recipe file's style) names the whole statistic: plain.
    assert.equal(
      makeRecipe(net, { overrides: { style: { loss: "gram" } } }).style?.shift,
      undefined,
    );
    assert.equal(makeRecipe(net, { overrides: { style: { shift: -1 } } }).style?.shift, -1);
  }
});

Deno.test("makeRecipe() takes an architecture's transforms up to their size; a layer merges onto or removes them", () => {
  const spec = { pad: 4, padMode: "reflect" as const, jitter: 2, scales: [], angles: [], views: 3 };
  withArch("test-views", { transforms: { spec, upTo: 384 } }, (net) => {
    assert.deepEqual(makeRecipe(net).transforms, spec); // 256 px
    assert.deepEqual(makeRecipe(net, { overrides: { size: 384 } }).transforms, spec);
    assert.equal(makeRecipe(net, { overrides: { size: 400 } }).transforms, undefined);
    // The size that counts is the one the layers ask for, the caller's over a base's.
    assert.equal(makeRecipe(net, { base: { size: 512 } }).transforms, undefined);
    assert.deepEqual(
      makeRecipe(net, { base: { size: 512 }, overrides: { size: 128 } }).transforms,
      spec,
    );
    // A layer's own fields merge onto them (--views 8), null removes them (--no-transforms).
    assert.deepEqual(makeRecipe(net, { overrides: { transforms: { views: 8 } } }).transforms, {
      ...spec,
      views: 8,
    });
    assert.equal(makeRecipe(net, { overrides: { transforms: null } }).transforms, undefined);
    assert.equal(makeRecipe(net, { base: { transforms: null } }).transforms, undefined);
  });
});

Deno.test("MobileNet-v1's and Darknet-tiny's defaults average four mirrored, jittered fixed views up to 512 px; the others run none", () => {
  const four = { pad: 8, padMode: "reflect", jitter: 8, scales: [], angles: [], views: 4 };
  for (const architecture of ["mobilenet-v1", "darknet-tiny"]) {
    const net = { id: architecture, architecture };
    assert.deepEqual(makeRecipe(net).transforms, four, architecture);
    assert.deepEqual(makeRecipe(net, { overrides: { size: 512 } }).transforms, four);
    assert.equal(makeRecipe(net, { overrides: { size: 768 } }).transforms, undefined);
  }
  for (const architecture of ["resnet50", "vgg19"]) {
    assert.equal(makeRecipe({ id: architecture, architecture }).transforms, undefined);
  }
});

Deno.test("supersampleFor() takes the largest of 4x and 2x within the architecture's side", () => {
  assert.equal(supersampleFor(256, 1024), 4);
  assert.equal(supersampleFor(257, 1024), 2); // 1028 > 1024
  assert.equal(supersampleFor(512, 1024), 2);
  assert.equal(supersampleFor(513, 1024), undefined);
  assert.equal(supersampleFor(100, 512), 4);
});

Deno.test("makeRecipe() supersamples up to an architecture's run side; a layer's factor wins, and the size-dependent defaults go by the run's side", () => {
  withArch("test-super", {
    supersample: { side: 512 },
    weights: { content: 1, style: 3, tv: 0 },
    styleWeightBySize: [[256, 1e5], [512, 1e7]],
  }, (net) => {
    const at = (overrides: Parameters<typeof makeRecipe>[1]) => makeRecipe(net, overrides);
    assert.equal(at({}).supersample, 2); // 256 px: 4x would be 1024 px, over 512
    assert.equal(at({ overrides: { size: 128 } }).supersample, 4);
    assert.equal(at({ overrides: { size: 200 } }).supersample, 2);
    assert.equal(at({ overrides: { size: 257 } }).supersample, undefined);
    // The caller's factor (the CLI's --supersample, the studio's control) and a base's win.
    assert.equal(at({ overrides: { supersample: 1 } }).supersample, 1);
    assert.equal(at({ base: { supersample: 4 }, overrides: { size: 512 } }).supersample, 4);
    // The network sees 512 px at a 256 px output: the style weight is the 512 px one.
    assert.equal(at({}).weights.style, 1e7);
    assert.equal(at({ overrides: { supersample: 1 } }).weights.style, 1e5);
  });
  // Views up to a size likewise go by the run's side: 256 px x 4 is over Darknet-tiny's 512.
  const darknet = { id: "darknet-tiny", architecture: "darknet-tiny" };
  assert.equal(makeRecipe(darknet).transforms?.views, 4);
  assert.equal(makeRecipe(darknet, { overrides: { supersample: 4 } }).transforms, undefined);
});

Deno.test("a recipe's supersampling is 1, 2 or 4, and size x factor stays within MAX_SIZE", () => {
  const net = { id: "resnet50", architecture: "resnet50" };
  assert.throws(
    () => makeRecipe(net, { overrides: { supersample: 3 as 2 } }),
    /Invalid recipe: supersample/,
  );
  assert.throws(
    () => makeRecipe(net, { overrides: { size: 4096, supersample: 2 } }),
    /size 4096 x supersample 2 is over 4096 px/,
  );
  assert.equal(makeRecipe(net, { overrides: { size: 2048, supersample: 2 } }).supersample, 2);
});

Deno.test("runSides() reads the content at size x supersample and the paintings at styleScale x that", () => {
  assert.deepEqual(runSides({ size: 256 }), { content: 256, style: 256 });
  assert.deepEqual(runSides({ size: 256, supersample: 2 }), { content: 512, style: 512 });
  assert.deepEqual(runSides({ size: 300, supersample: 2, styleScale: 0.5 }), {
    content: 600,
    style: 300,
  });
  assert.deepEqual(runSides({ size: 100, styleScale: 1.25 }), { content: 100, style: 125 });
});
