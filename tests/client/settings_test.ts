/** Studio settings derive their defaults from the engine's and build the engine's recipe. */
import assert from "node:assert/strict";
import { assembleRecipe, makeRecipe, parseRecipe } from "../../src/shared/recipe.ts";
import { RecipeSchema } from "../../src/shared/types.ts";
import {
  buildRecipe,
  DEFAULT_SETTINGS,
  effective,
  fromRecipe,
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
  // And the schema's own defaults are the same values.
  const parsed = RecipeSchema.parse(assembleRecipe({ id: "resnet50", architecture: "resnet50" }));
  assert.deepEqual(parsed.param, DEFAULT_SETTINGS.param);
  // A remix of that recipe gives back the default settings (model aside).
  const back = fromRecipe(DEFAULT_SETTINGS, engine);
  assert.deepEqual(back.transforms, DEFAULT_SETTINGS.transforms);
  assert.deepEqual(back.param, DEFAULT_SETTINGS.param);
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
