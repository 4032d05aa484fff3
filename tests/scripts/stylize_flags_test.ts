/** `deno task stylize` flags: jcjohnson/neural-style names, the old spellings, the new flags. */
import assert from "node:assert/strict";
import {
  checkAssembled,
  FlagError,
  parseStylizeArgs,
  UNTILED_NOTICE_SIZE,
  untiledNotice,
} from "../../scripts/lib/stylize_flags.ts";
import { makeRecipe } from "../../src/shared/recipe.ts";
import type { ModelManifest } from "../../src/shared/nets/manifest.ts";
import { mayTile } from "../../src/shared/tiled_run.ts";

const two = ["--content", "c.png", "--style", "a.jpg", "--style", "b.jpg", "--out", "o.png"];

Deno.test("parseStylizeArgs() reads the jcjohnson names: loss weights, blend, style scale, aliases", () => {
  const { flags, notices } = parseStylizeArgs([
    ...two,
    "--style-weight",
    "5e4",
    "--content-weight",
    "2",
    "--tv-weight",
    "0.5",
    "--style-blend-weights",
    "3,1",
    "--style-scale",
    "0.5",
    "--num-iterations",
    "40",
    "--image-size",
    "320",
    "--init",
    "noise",
    "--original-colors",
  ]);
  assert.deepEqual(flags.weights, { content: 2, style: 5e4, tv: 0.5 });
  assert.deepEqual(flags.styles, [{ name: "a.jpg", weight: 3 }, { name: "b.jpg", weight: 1 }]);
  assert.equal(flags.styleScale, 0.5);
  assert.equal(flags.iterations, 40);
  assert.equal(flags.size, 320);
  assert.equal(flags.init, "noise");
  assert.deepEqual(flags.colour, { mode: "original", match: "pca" });
  // A single --style-weight says once that its meaning changed.
  assert.deepEqual(notices.length, 1);
  assert.match(notices[0], /--style-weight 50000 is the style loss weight/);
});

Deno.test("parseStylizeArgs() maps the old spellings with a notice each", () => {
  const { flags, notices } = parseStylizeArgs([
    ...two,
    "--style-weight",
    "2",
    "--style-weight",
    "1",
    "--style-scale",
    "1e4",
    "--tv",
    "0.1",
    "--iters",
    "7",
    "--size",
    "64",
  ]);
  // Several --style-weight values: the old blend weights. --style-scale 1e4 (outside 0.1..4):
  // the old style loss weight. --tv: --tv-weight.
  assert.deepEqual(flags.styles, [{ name: "a.jpg", weight: 2 }, { name: "b.jpg", weight: 1 }]);
  assert.deepEqual(flags.weights, { content: undefined, style: 1e4, tv: 0.1 });
  assert.equal(flags.styleScale, undefined);
  assert.equal(flags.iterations, 7);
  assert.equal(flags.size, 64);
  assert.equal(notices.length, 3);
  assert.match(notices[0], /several values is read as --style-blend-weights/);
  assert.match(notices[1], /--style-scale 10000 is outside 0.1..4: read as the style loss weight/);
  assert.match(notices[2], /--tv is now --tv-weight/);
});

Deno.test("parseStylizeArgs() refuses contradictory old and new spellings with a clear message", () => {
  const bad: [string[], RegExp][] = [
    [["--style-weight", "1,2", "--style-blend-weights", "1,2"], /give only --style-blend-weights/],
    [["--style-weight", "10", "--style-scale", "1e4"], /--style-weight gives one too: drop one/],
    [["--tv", "1", "--tv-weight", "2"], /--tv is the old spelling of --tv-weight/],
    [["--iters", "5", "--num-iterations", "6"], /--num-iterations and --iters are one flag/],
    [["--style-blend-weights", "1"], /1 blend weights for 2 --style images/],
    [["--pyramid", "128", "--no-pyramid"], /contradict/],
    [["--no-transforms", "--views", "2"], /--no-transforms and --views contradict/],
    [["--colour", "luminance", "--original-colors"], /contradict/],
    [["--colour", "luminance:pca"], /only match and palette take a method/],
    [["--colour", "sepia"], /--colour must be none, luminance, match, original/],
    [["--swag", "rows"], /--swag must be map, channels/],
    [["--style-loss", "l1"], /--style-loss must be gram, meancov, sliced/],
    [["--init", "image"], /--init image needs --init-image FILE/],
    [["--pyramid", "128,1.4,2"], /--pyramid must be MIN or MIN,STEP/],
  ];
  for (const [args, message] of bad) {
    assert.throws(() => parseStylizeArgs([...two, ...args]), (e: Error) => {
      assert.ok(e instanceof FlagError, `${args}: ${e}`);
      assert.match(e.message, message, args.join(" "));
      return true;
    });
  }
});

Deno.test("parseStylizeArgs() reads the new run flags: pyramid, style loss, colour, anti-aliasing, SWAG", () => {
  const f = (...args: string[]) => parseStylizeArgs([...two, ...args]).flags;
  assert.deepEqual(f("--pyramid", "96").pyramid, { minSize: 96 });
  assert.deepEqual(f("--pyramid", "64,2").pyramid, { minSize: 64, step: 2 });
  // --no-pyramid removes a preset's pyramid (null in a recipe layer).
  assert.equal(f("--no-pyramid").pyramid, null);
  assert.equal(f().pyramid, undefined);
  // --no-transforms removes the network's default ones (MobileNet-v1's fixed views) alike.
  assert.equal(f("--no-transforms").transforms, null);
  assert.equal(f().transforms, undefined);
  assert.deepEqual(f("--style-loss", "sliced").style, { loss: "sliced" });
  assert.deepEqual(f("--style-shift", "-1").style, { shift: -1 });
  assert.deepEqual(f("--style-loss", "gram", "--style-shift", "0").style, {
    loss: "gram",
    shift: 0,
  });
  assert.throws(() => f("--style-shift", "minus one"), /--style-shift must be a number/);
  // Negative values after their flag, as the help writes them.
  assert.deepEqual(f("--angles", "-5,0,5").transforms?.angles, [-5, 0, 5]);
  assert.deepEqual(f("--style-shift", "-.5").style, { shift: -0.5 });
  assert.deepEqual(f("--style-shift=-2").style, { shift: -2 });
  assert.deepEqual(f("--colour", "match:mk").colour, { mode: "match", match: "mk" });
  assert.deepEqual(f("--colour", "luminance").colour, { mode: "luminance", match: "pca" });
  assert.deepEqual(f("--colour", "palette:mk").colour, { mode: "palette", match: "mk" });
  assert.equal(f("--antialias").net?.antialias, true);
  // A bare --swag (the old boolean flag) and --swag map are the paper's softmax with T = 1.
  assert.equal(f("--swag").swag, true);
  assert.equal(f("--swag", "--quiet").swag, true);
  assert.equal(f("--swag", "map").swag, true);
  assert.deepEqual(f("--swag", "channels:0.5").swag, { over: "channels", temperature: 0.5 });
  assert.deepEqual(f("--swag", "map:2").swag, { over: "map", temperature: 2 });
  // Fixed views ride with the transforms; the flags a user left out stay to the recipe.
  assert.deepEqual(f("--jitter", "4", "--views", "4").transforms, {
    pad: undefined,
    padMode: undefined,
    jitter: 4,
    scales: undefined,
    angles: undefined,
    views: 4,
  });
  assert.equal(f().transforms, undefined);
  assert.equal(f("--pad", "8", "--pad-mode", "reflect").transforms?.padMode, "reflect");
  assert.throws(() => f("--pad-mode", "wrap"), /--pad-mode must be constant, reflect/);
  // The TV order beside the TV weight; left out, the recipe's (the architecture's) stays.
  const tv = f("--tv-weight", "3", "--tv-order", "4");
  assert.equal(tv.weights?.tv, 3);
  assert.equal(tv.tvOrder, 4);
  assert.equal(f().tvOrder, undefined);
  assert.throws(() => f("--tv-order", "fourth"), /--tv-order must be a number, got "fourth"/);
  // Supersampling: a factor, or the recipe's (the architecture's) when left out.
  assert.equal(f("--supersample", "2").supersample, 2);
  assert.equal(f("--supersample", "1").supersample, 1);
  assert.equal(f().supersample, undefined);
  assert.throws(() => f("--supersample", "3"), /--supersample must be 1, 2, 4, got "3"/);
});

Deno.test("parseStylizeArgs() puts --memory-mb, --tile and --exact-halo in the run's memory budget", () => {
  // 512 MB = 512 · 2^20 bytes; no --exact-halo: no key (the planner's approximate halo).
  assert.deepEqual(parseStylizeArgs([...two, "--memory-mb", "512", "--tile", "96"]).memory, {
    bytes: 512 * 2 ** 20,
    tile: 96,
  });
  assert.deepEqual(parseStylizeArgs([...two, "--exact-halo"]).memory, {
    bytes: 2048 * 2 ** 20,
    exactHalo: true,
  });
});

Deno.test("checkAssembled() refuses --views when the assembled recipe has no transform to draw", () => {
  // ResNet-50: a network whose default has no transforms of its own.
  const net = { id: "resnet50", architecture: "resnet50" };
  const views = parseStylizeArgs([...two, "--views", "4"]).flags;
  // Nothing moves a pixel: every view would be the image.
  assert.throws(
    () => checkAssembled(views, makeRecipe(net, { overrides: views })),
    (e: Error) =>
      e instanceof FlagError &&
      e.message === "--views 4 needs a transform to draw from, and none is on: add --jitter, " +
          "--pad, --scales or --angles",
  );
  // Transforms from a preset or recipe file below the flags count: the views draw from them.
  const base = { transforms: { jitter: 4 } };
  checkAssembled(views, makeRecipe(net, { base: [base], overrides: views }));
  // So do the flags' own, and a recipe file's views without the flag are the file's business.
  const both = parseStylizeArgs([...two, "--views", "4", "--angles=-5,5"]).flags;
  checkAssembled(both, makeRecipe(net, { overrides: both }));
  const file = { transforms: { views: 4 } };
  checkAssembled({}, makeRecipe(net, { base: [file] }));
});

Deno.test("untiledNotice() warns of a large run on a network the planner cannot tile, and only then", () => {
  const memory = { bytes: 2 ** 31 };
  const tiles = (id: string) => mayTile({ manifest: { id } as ModelManifest }, memory);
  const imported = "robust-resnet50-l2-3";
  assert.equal(untiledNotice(imported, UNTILED_NOTICE_SIZE, tiles(imported)), undefined);
  assert.match(
    untiledNotice(imported, 2048, tiles(imported))!,
    /^robust-resnet50-l2-3 does not run tiled: a 2048 px run .* darknet-tiny, resnet50 and mobilenet-v1 tile \(--net mobilenet-v1\)$/,
  );
  // The three shipped networks have measured costs: MobileNet-v1, the default, too since its
  // crops pad as the whole image.
  for (const id of ["darknet-tiny", "resnet50", "mobilenet-v1"]) {
    assert.equal(untiledNotice(id, 4096, tiles(id)), undefined, id);
  }
  // A forced tile lets the planner try any network.
  assert.ok(mayTile({ manifest: { id: imported } as ModelManifest }, { ...memory, tile: 256 }));
});
