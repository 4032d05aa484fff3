/** Studio settings derive their defaults from the engine's and build the engine's recipe. */
import assert from "node:assert/strict";
import { assembleRecipe, makeRecipe, parseRecipe } from "../../src/shared/recipe.ts";
import { RecipeSchema } from "../../src/shared/types.ts";
import {
  buildRecipe,
  DEFAULT_SETTINGS,
  effective,
  fromRecipe,
  loadSettings,
  PYRAMID_ON,
  type PyramidFields,
  SETTINGS_KEY,
  swagControls,
  swagSetting,
  TRANSFORMS_LUCID,
  TRANSFORMS_OFF,
  transformsPreset,
} from "../../src/client/state/settings.ts";

const images = {
  content: { name: "c.png", width: 64, height: 48 },
  styles: [{ name: "s.jpg", weight: 1 }],
};

Deno.test("buildRecipe() of the studio's default settings is the engine's default recipe", () => {
  // The studio derives its defaults (size, iterations, optimizer, parameterisation, transforms)
  // from the engine's: the same recipe comes out of both faces.
  const studio = parseRecipe(
    buildRecipe({ ...DEFAULT_SETTINGS, modelId: "resnet50" }, "resnet50", images),
  );
  const engine = makeRecipe({ id: "resnet50", architecture: "resnet50" }, { overrides: images });
  assert.deepEqual(studio, engine);
  // The studio leaves the parameterisation to the architecture, as the engine does.
  assert.equal(DEFAULT_SETTINGS.param, undefined);
  const parsed = RecipeSchema.parse(assembleRecipe({ id: "resnet50", architecture: "resnet50" }));
  assert.deepEqual(parsed.param, engine.param);
  assert.deepEqual(effective(DEFAULT_SETTINGS, "resnet50").param, engine.param);
  // A remix of that recipe gives back its transforms (none) and its parameterisation, pinned.
  const back = fromRecipe(DEFAULT_SETTINGS, engine);
  assert.deepEqual(back.transforms, TRANSFORMS_OFF);
  assert.deepEqual(back.param, engine.param);
});

Deno.test("the studio starts from MobileNet-v1's default fixed views, and Off turns them off", () => {
  const net = { id: "mobilenet-v1", architecture: "mobilenet-v1" };
  const s = { ...DEFAULT_SETTINGS, modelId: net.id };
  const engine = makeRecipe(net, { overrides: images });
  assert.equal(engine.transforms?.views, 4);
  assert.equal(engine.transforms?.padMode, "reflect");
  assert.deepEqual(parseRecipe(buildRecipe(s, net.architecture, images)), engine);
  // The panel shows what is in effect.
  assert.deepEqual(effective(s, net.architecture).transforms, engine.transforms);
  assert.deepEqual(effective(s, "resnet50").transforms, TRANSFORMS_OFF);
  // Off is a choice, not "the default": no transforms at all.
  const off = parseRecipe(
    buildRecipe({ ...s, transforms: TRANSFORMS_OFF }, "mobilenet-v1", images),
  );
  assert.equal(off.transforms, undefined);
  // A remix of a recipe that ran without transforms runs without them again.
  const { transforms: _, ...plain } = engine;
  const remix = fromRecipe(s, plain);
  assert.equal(parseRecipe(buildRecipe(remix, "mobilenet-v1", images)).transforms, undefined);
  // A remix of the default gives its views back.
  const again = parseRecipe(buildRecipe(fromRecipe(s, engine), "mobilenet-v1", images));
  assert.deepEqual(again.transforms, engine.transforms);
});

Deno.test("transforms set in the panel replace the network's default views and pad, as the panel shows them", () => {
  for (const architecture of ["mobilenet-v1", "darknet-tiny"]) {
    const s = { ...DEFAULT_SETTINGS, modelId: architecture };
    // Lucid's set with its draws per step: no fixed views, lucid's grey pad (not the default's
    // four mirrored views merged in, which the panel would not show).
    const lucid = parseRecipe(
      buildRecipe({ ...s, transforms: TRANSFORMS_LUCID }, architecture, images),
    );
    assert.deepEqual(lucid.transforms, TRANSFORMS_LUCID, architecture);
    assert.equal(lucid.transforms?.views, undefined);
    assert.deepEqual(effective({ ...s, transforms: TRANSFORMS_LUCID }, architecture).transforms, {
      ...TRANSFORMS_LUCID,
    });
    // Two views of lucid's set: two, not the default's four.
    const two = { ...TRANSFORMS_LUCID, views: 2 };
    assert.deepEqual(
      parseRecipe(buildRecipe({ ...s, transforms: two }, architecture, images)).transforms,
      two,
    );
  }
});

Deno.test("loadSettings() lets a saved 'off' from before default transforms follow the network", () => {
  const saved = localStorage.getItem(SETTINGS_KEY);
  const load = (v: unknown) => {
    localStorage.setItem(SETTINGS_KEY, JSON.stringify(v));
    return loadSettings();
  };
  try {
    const off = { modelId: "mobilenet-v1", transforms: TRANSFORMS_OFF };
    assert.equal(load(off).transforms, undefined);
    // A choice other than the old default, or a preset's pinned one, stays.
    const lucid = { ...off, transforms: { ...TRANSFORMS_LUCID, views: 4 } };
    assert.deepEqual(load(lucid).transforms, lucid.transforms);
    assert.deepEqual(load({ ...off, presetId: "nakano2019-resnet50" }).transforms, TRANSFORMS_OFF);
  } finally {
    if (saved === null) localStorage.removeItem(SETTINGS_KEY);
    else localStorage.setItem(SETTINGS_KEY, saved);
  }
});

Deno.test("effective() before a model is known (no architecture) gives empty layers, not a crash", () => {
  // The page renders the settings before the model list arrives: architecture "" has no
  // defaults and the settings leave layers unset.
  const e = effective(DEFAULT_SETTINGS, "");
  assert.deepEqual(e.contentLayers, []);
  assert.deepEqual(e.styleLayers, []);
  assert.deepEqual(e.weights, { content: 1, style: 1e4, tv: 0 });
  assert.equal(e.pooling, "max");
});

Deno.test("buildRecipe() carries every issue-12 field and fromRecipe() gives it back", () => {
  const s = {
    ...DEFAULT_SETTINGS,
    modelId: "darknet-tiny",
    swag: swagSetting("channels", 2),
    antialias: true,
    style: { loss: "gram" as const, normalize: "target" as const },
    colour: { mode: "match" as const, match: "mk" as const },
    pyramid: { ...PYRAMID_ON, minSize: 96 },
    styleScale: 0.5,
  };
  const r = buildRecipe(s, "darknet-tiny", images);
  assert.deepEqual(r.swag, { over: "channels", temperature: 2 });
  assert.equal(r.net.antialias, true);
  assert.deepEqual(r.style, { loss: "gram", normalize: "target" });
  assert.deepEqual(r.colour, { mode: "match", match: "mk" });
  const loose = r as typeof r & PyramidFields;
  assert.deepEqual(loose.pyramid, { minSize: 96, step: Math.SQRT2, coarseShare: 1.5 });
  assert.equal(loose.styleScale, 0.5);
  // The schema fields validate as the worker will see them (pyramid and styleScale belong to
  // the coarse-to-fine schema, validated where it is merged).
  const { pyramid: _p, styleScale: _s, ...known } = loose;
  const parsed = parseRecipe(known);
  assert.equal(parsed.style?.normalize, "target");
  assert.deepEqual(parsed.swag, { over: "channels", temperature: 2 });
  // A remix of the recipe restores every control.
  const back = fromRecipe(DEFAULT_SETTINGS, loose);
  for (const k of ["swag", "antialias", "style", "colour", "pyramid", "styleScale"] as const) {
    assert.deepEqual(back[k], s[k], k);
  }
  // A remix of an old recipe turns them all off again; a recipe without a pyramid ran at one
  // scale, so its remix says off (null), and one without colour control ran on the images as
  // given (none), not "the architecture's default" (Darknet-tiny's is the painting's palette).
  const { colour: _c, style: _st, ...old0 } = makeRecipe({
    id: "darknet-tiny",
    architecture: "darknet-tiny",
  });
  const old = fromRecipe(back, old0);
  assert.deepEqual(
    [old.swag, old.antialias, old.style, old.colour, old.pyramid, old.styleScale],
    [false, undefined, { loss: "gram" }, { mode: "none", match: "pca" }, null, undefined],
  );
  // Today's default recipe remixes to its palette.
  const today = fromRecipe(back, makeRecipe({ id: "darknet-tiny", architecture: "darknet-tiny" }));
  assert.deepEqual(today.colour, { mode: "palette", match: "mk" });
  assert.equal(today.style?.shift, -6);
  // And the plain Gram of an old recipe stays plain when the studio builds its recipe again.
  assert.equal(buildRecipe(old, "darknet-tiny", images).style?.shift, undefined);
  assert.equal(buildRecipe(DEFAULT_SETTINGS, "darknet-tiny", images).style?.shift, -6);
});

Deno.test("swagSetting() keeps the whole-map T = 1 variant as true, as old recipes wrote it", () => {
  assert.equal(swagSetting("off", 3), false);
  assert.equal(swagSetting("map"), true);
  assert.deepEqual(swagSetting("map", 2), { over: "map", temperature: 2 });
  assert.deepEqual(swagControls(true), { over: "map", temperature: 1 });
  assert.deepEqual(swagControls(false), { over: "off", temperature: 1 });
  assert.deepEqual(swagControls({ over: "channels" }), { over: "channels", temperature: 1 });
});

Deno.test("the studio runs an architecture's default pyramid, and null turns it off", () => {
  // ResNet-50's default runs coarse to fine (issue 12): the studio's untouched settings give the
  // same pyramid as the engine's default recipe, and the checkbox's off (null) gives one scale.
  const engine = makeRecipe({ id: "resnet50", architecture: "resnet50" }, { overrides: images });
  assert.deepEqual(engine.pyramid, { minSize: 128, step: Math.SQRT2, coarseShare: 1.5 });
  const on = parseRecipe(
    buildRecipe({ ...DEFAULT_SETTINGS, modelId: "resnet50" }, "resnet50", images),
  );
  assert.deepEqual(on.pyramid, engine.pyramid);
  const off = parseRecipe(
    buildRecipe({ ...DEFAULT_SETTINGS, modelId: "resnet50", pyramid: null }, "resnet50", images),
  );
  assert.equal(off.pyramid, undefined);
  // And the remix of that one-scale recipe stays one scale.
  const back = fromRecipe(DEFAULT_SETTINGS, off);
  assert.equal(back.pyramid, null);
  assert.equal(
    parseRecipe(buildRecipe(back, "resnet50", images)).pyramid,
    undefined,
  );
});

Deno.test("loadSettings() lets a saved plain-pixel setting from before the defaults follow the architecture", () => {
  const key = SETTINGS_KEY;
  const saved = localStorage.getItem(key);
  try {
    const plain = { kind: "pixel", decorrelate: false };
    localStorage.setItem(key, JSON.stringify({ modelId: "resnet50", param: plain }));
    assert.equal(loadSettings().param, undefined);
    assert.equal(loadSettings().modelId, "resnet50");
    // A choice other than the old default, or a preset's pinned one, stays.
    const fourier = { kind: "fourier", decorrelate: true };
    localStorage.setItem(key, JSON.stringify({ param: fourier }));
    assert.deepEqual(loadSettings().param, fourier);
    localStorage.setItem(key, JSON.stringify({ presetId: "nakano2019-resnet50", param: plain }));
    assert.deepEqual(loadSettings().param, plain);
  } finally {
    if (saved === null) localStorage.removeItem(key);
    else localStorage.setItem(key, saved);
  }
});

Deno.test("the studio's TV order goes with the TV weight: remixes and presets keep their own", () => {
  // The settings carry an order into the recipe and a remix gives it back.
  const s = { ...DEFAULT_SETTINGS, modelId: "darknet-tiny", tvOrder: 3 };
  const r = parseRecipe(buildRecipe(s, "darknet-tiny", images));
  assert.equal(r.tvOrder, 3);
  assert.equal(effective(s, "darknet-tiny").tvOrder, 3);
  assert.equal(fromRecipe(DEFAULT_SETTINGS, r).tvOrder, 3);
  // A recipe with weights and no order (an old one) ran first differences: its remix says 1,
  // whatever the current settings or the architecture say.
  const { tvOrder: _o, ...old } = r;
  assert.equal(fromRecipe(s, old).tvOrder, 1);
  // A preset without weights keeps the user's weights, and so their order.
  assert.equal(fromRecipe(s, { size: 512 }).tvOrder, 3);
  // Nothing set: the order in effect is the architecture's (1 where it has none).
  assert.equal(effective(DEFAULT_SETTINGS, "resnet50").tvOrder, 1);
});

Deno.test("a mirrored pad is its own transform set and rides the recipe there and back", () => {
  assert.equal(
    transformsPreset({ ...TRANSFORMS_OFF, padMode: "reflect" }),
    "off",
    "no pad, no fill",
  );
  assert.equal(transformsPreset({ ...TRANSFORMS_LUCID, padMode: "constant" }), "lucid");
  assert.equal(transformsPreset({ ...TRANSFORMS_LUCID, padMode: "reflect" }), "custom");
  const s = {
    ...DEFAULT_SETTINGS,
    modelId: "darknet-tiny",
    transforms: { ...TRANSFORMS_LUCID, padMode: "reflect" as const, views: 4 },
  };
  const r = buildRecipe(s, "darknet-tiny", images);
  assert.equal(r.transforms?.padMode, "reflect");
  assert.equal(parseRecipe(r).transforms?.padMode, "reflect");
  assert.equal(fromRecipe(DEFAULT_SETTINGS, r).transforms?.padMode, "reflect");
});

Deno.test("the studio supersamples as the architecture's default does, the panel's factor wins, and a remix keeps the recipe's", () => {
  const net = { id: "resnet50", architecture: "resnet50" };
  const engine = makeRecipe(net, { overrides: images });
  const studio = (s: Partial<typeof DEFAULT_SETTINGS>) =>
    parseRecipe(
      buildRecipe({ ...DEFAULT_SETTINGS, modelId: "resnet50", ...s }, "resnet50", images),
    );
  assert.equal(studio({}).supersample, engine.supersample);
  assert.equal(effective(DEFAULT_SETTINGS, "resnet50").supersample, engine.supersample ?? 1);
  assert.equal(studio({ supersample: 1 }).supersample, 1);
  assert.equal(studio({ supersample: 4, size: 512 }).supersample, 4);
  assert.equal(effective({ ...DEFAULT_SETTINGS, supersample: 2 }, "resnet50").supersample, 2);
  // A recipe from before supersampling ran at its size: its remix runs at its size too.
  const { supersample: _, ...old } = engine;
  const back = fromRecipe(DEFAULT_SETTINGS, old);
  assert.equal(back.supersample, 1);
  assert.equal(parseRecipe(buildRecipe(back, "resnet50", images)).supersample, 1);
  // And a supersampled recipe's remix keeps its factor.
  assert.equal(fromRecipe(DEFAULT_SETTINGS, { ...old, supersample: 2 }).supersample, 2);
});
