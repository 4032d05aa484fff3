import assert from "node:assert/strict";
import {
  ColourSchema,
  RecipeSchema,
  StyleLossSchema,
  SwagFieldSchema,
} from "../../../src/shared/types.ts";

/** A recipe as written before the style, colour, antialias and SWAG-options fields. */
const OLD = {
  version: 1,
  net: { id: "darknet-tiny" },
  size: 128,
  content: { name: "c.png" },
  styles: [{ name: "s.jpg" }],
  layers: { content: [{ layer: "conv8", weight: 1 }], style: [{ layer: "conv2", weight: 1 }] },
  weights: { content: 1, style: 1e4, tv: 0 },
  init: "content",
  iterations: 10,
  optimizer: { kind: "lbfgs" },
  seed: 1,
  swag: true,
};

Deno.test("RecipeSchema parses an old recipe without the new fields, which read as off", () => {
  const r = RecipeSchema.parse(OLD);
  assert.equal(r.style, undefined);
  assert.equal(r.colour, undefined);
  assert.equal(r.net.antialias, undefined);
  assert.equal(r.swag, true);
});

Deno.test("RecipeSchema takes the style, colour and antialias fields with defaults", () => {
  const r = RecipeSchema.parse({
    ...OLD,
    net: { id: "darknet-tiny", antialias: true },
    style: { loss: "sliced" },
    colour: { mode: "match" },
  });
  assert.equal(r.net.antialias, true);
  assert.deepEqual(r.style, { loss: "sliced", projections: 64, iterations: 15 });
  assert.deepEqual(r.colour, { mode: "match", match: "pca" });
  assert.throws(() => StyleLossSchema.parse({ loss: "vgg" }));
  assert.throws(() => ColourSchema.parse({ mode: "luminance", extra: 1 }));
});

Deno.test("SwagFieldSchema takes booleans and options", () => {
  assert.equal(SwagFieldSchema.parse(undefined), false);
  assert.equal(SwagFieldSchema.parse(true), true);
  assert.deepEqual(SwagFieldSchema.parse({ over: "channels" }), {
    over: "channels",
    temperature: 1,
  });
  assert.throws(() => SwagFieldSchema.parse({ temperature: 0 }));
});

Deno.test("RecipeSchema takes SWAG options and the style normalisation", () => {
  const r = RecipeSchema.parse({
    ...OLD,
    swag: { over: "channels", temperature: 2 },
    style: { loss: "gram", normalize: "target" },
  });
  assert.deepEqual(r.swag, { over: "channels", temperature: 2 });
  assert.equal(r.style?.normalize, "target");
  // Absent stays absent (old recipes): createStyleStatistic() reads it as "channels".
  assert.equal(RecipeSchema.parse({ ...OLD, style: { loss: "gram" } }).style?.normalize, undefined);
  assert.equal(RecipeSchema.parse({ ...OLD, swag: undefined }).swag, false);
  assert.throws(() => RecipeSchema.parse({ ...OLD, style: { normalize: "pixels" } }));
  assert.throws(() => RecipeSchema.parse({ ...OLD, swag: { over: "rows" } }));
});
