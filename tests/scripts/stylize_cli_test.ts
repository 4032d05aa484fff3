/** `deno task stylize` end to end as a subprocess: output files, recipe, and one-line errors. */
import assert from "node:assert/strict";
import { join } from "node:path";
import sharp from "sharp";
import { ROOT, sharedImage } from "../_images.ts";
import { RecipeSchema } from "../../src/shared/types.ts";
import { ARCH_DEFAULTS } from "../../src/shared/presets.ts";
import { supersampleFor } from "../../src/shared/recipe_defaults.ts";

async function cli(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "scripts/stylize.ts"), "--quiet", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

const base = (out: string) => [
  "--content",
  sharedImage("content/chelsea.png"),
  "--style",
  sharedImage("style/the_scream.jpg"),
  "--net",
  "darknet-tiny",
  "--size",
  "48",
  "--iters",
  "3",
  "--out",
  out,
];

/** Raw RGB bytes of a PNG. */
async function pixels(path: string): Promise<Uint8Array> {
  return new Uint8Array(await sharp(path).removeAlpha().raw().toBuffer());
}

Deno.test("stylize CLI writes the PNG and a recipe that reproduces the run", async () => {
  const dir = await Deno.makeTempDir();
  const out = join(dir, "out.png");
  const r = await cli([...base(out), "--seed", "7", "--backend", "cpu"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /3 iterations \(\d+ evaluations\) in .* on cpu/);
  const meta = await sharp(out).metadata();
  assert.equal(meta.format, "png");
  assert.equal(meta.width, 48);
  const recipe = RecipeSchema.parse(
    JSON.parse(await Deno.readTextFile(join(dir, "out.recipe.json"))),
  );
  assert.equal(recipe.seed, 7);
  assert.equal(recipe.net.id, "darknet-tiny");
  assert.match(recipe.net.sha256!, /^[0-9a-f]{64}$/);
  assert.equal(recipe.run?.backend, "cpu");
  assert.equal(recipe.iterations, 3);
  assert.equal(recipe.run?.iterations, 3);
  assert.ok(recipe.run!.evaluations! >= 3, `evaluations ${recipe.run?.evaluations}`);
  assert.deepEqual((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort(), [
    "out.png",
    "out.recipe.json",
  ]);
  // Re-run from the recipe alone (no size, iterations, seed or network flags): bit-identical
  // pixels on the CPU backend.
  const again = join(dir, "again.png");
  const r2 = await cli([
    "--content",
    sharedImage("content/chelsea.png"),
    "--style",
    sharedImage("style/the_scream.jpg"),
    "--recipe",
    join(dir, "out.recipe.json"),
    "--backend",
    "cpu",
    "--out",
    again,
  ]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.deepEqual(await pixels(again), await pixels(out));
  const recipe2 = RecipeSchema.parse(
    JSON.parse(await Deno.readTextFile(join(dir, "again.recipe.json"))),
  );
  assert.deepEqual({ ...recipe2, run: undefined }, { ...recipe, run: undefined });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("stylize CLI on Ctrl-C stops, writes the best image so far with its recipe and says so", async () => {
  const dir = await Deno.makeTempDir();
  const out = join(dir, "out.png");
  const args = base(out);
  args[args.indexOf("--iters") + 1] = "500";
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "scripts/stylize.ts"), ...args, "--backend", "cpu"],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // The progress bar logs its first line (stderr is not a terminal) after iteration 1.
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let err = "";
  while (!/\] 1\/500/.test(err)) {
    const { value, done } = await reader.read();
    if (done) break;
    err += value;
  }
  child.kill("SIGINT");
  const sentAt = performance.now();
  const [status, stdout] = await Promise.all([
    child.status,
    new Response(child.stdout).text(),
    (async () => {
      while (!(await reader.read()).done) { /* drain */ }
    })(),
  ]);
  const stopMs = performance.now() - sentAt;
  assert.equal(status.code, 130, err);
  assert.match(stdout, /^stopped by Ctrl-C after \d+ of 500 iterations: wrote the best image/);
  const recipe = RecipeSchema.parse(
    JSON.parse(await Deno.readTextFile(join(dir, "out.recipe.json"))),
  );
  assert.equal(recipe.run?.aborted, true);
  assert.ok(recipe.run!.iterations! >= 1 && recipe.run!.iterations! < 500);
  assert.equal((await sharp(out).metadata()).width, 48);
  // One evaluation at 48 px takes well under a second; writing the files a little more.
  assert.ok(stopMs < 10_000, `took ${stopMs} ms to stop`);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("stylize CLI rejects bad input with one clear line, non-zero exit and no output", async () => {
  const dir = await Deno.makeTempDir();
  const out = join(dir, "out.png");
  const text = join(dir, "notes.png");
  await Deno.writeTextFile(text, "this is not an image");
  const cases: [string[], RegExp][] = [
    [["--content", join(dir, "missing.png")], /^error: .*missing\.png: no such file$/],
    [["--content", text], /^error: .*notes\.png: not an image \(expected PNG, JPEG or WebP\)$/],
    [["--net", "vgg99"], /^error: unknown network "vgg99": installed are .*darknet-tiny/],
    [["--style-layers", "conv1,conv99"], /^error: Unknown layer "conv99" for network darknet-tiny/],
    [["--backend", "tpu"], /^error: unknown backend "tpu"/],
  ];
  for (const [override, pattern] of cases) {
    const args = base(out);
    for (let i = 0; i < override.length; i += 2) {
      const at = args.indexOf(override[i]);
      if (at >= 0) args[at + 1] = override[i + 1];
      else args.push(override[i], override[i + 1]);
    }
    const r = await cli(args);
    assert.notEqual(r.code, 0, `${override}: exit 0`);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, `${override}: ${r.stderr}`);
    assert.match(lines[0], pattern);
    assert.deepEqual((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name), ["notes.png"]);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("stylize CLI takes the jcjohnson flag names and runs coarse to fine with --pyramid", async () => {
  const dir = await Deno.makeTempDir();
  const out = join(dir, "out.png");
  const r = await cli([
    "--content",
    sharedImage("content/chelsea.png"),
    "--style",
    sharedImage("style/the_scream.jpg"),
    "--net",
    "darknet-tiny",
    "--image-size",
    "96",
    "--num-iterations",
    "3",
    "--style-weight",
    "1000",
    "--tv-weight",
    "0.1",
    "--style-scale",
    "0.5",
    "--pyramid",
    "32",
    "--colour",
    "luminance",
    "--out",
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^notice: --style-weight 1000 is the style loss weight/m);
  assert.equal((await sharp(out).metadata()).width, 96);
  const recipe = RecipeSchema.parse(
    JSON.parse(await Deno.readTextFile(join(dir, "out.recipe.json"))),
  );
  assert.equal(recipe.weights.style, 1000);
  assert.equal(recipe.weights.tv, 0.1);
  assert.equal(recipe.styleScale, 0.5);
  assert.deepEqual(recipe.colour, { mode: "luminance", match: "pca" });
  assert.deepEqual(recipe.pyramid, { minSize: 32, step: Math.SQRT2, coarseShare: 1.5 });
  // 96x64 from 32 in sqrt(2) steps: 34 (34x23, below the 32 px minimum: dropped), 48, 68, 96;
  // 3 iterations over 3 scales: 1 each.
  assert.deepEqual(recipe.run?.scales, [
    { size: 48, iterations: 1 },
    { size: 68, iterations: 1 },
    { size: 96, iterations: 1 },
  ]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("stylize CLI runs tiled in bounded memory and records the tiles (issue 14)", async () => {
  const dir = await Deno.makeTempDir();
  const out = join(dir, "out.png");
  // chelsea is 451x300: at --size 192 the content is 192x128. A forced 96 px tile cuts it in
  // 2 rows x 2 columns (ceil(128/96) = 2, ceil(192/96) = 2): 4 tiles per evaluation.
  const args = base(out).map((a) => a === "48" ? "192" : a === "3" ? "2" : a);
  // Darknet-tiny's default four fixed views cannot tile: the run says so and changes nothing.
  const views = await cli([...args, "--tile", "96", "--memory-mb", "512"]);
  assert.equal(views.code, 1);
  assert.match(views.stderr, /tiled runs do not support transforms: turn it off/);
  await assert.rejects(Deno.stat(out), Deno.errors.NotFound);
  const r = await cli([...args, "--tile", "96", "--memory-mb", "512", "--no-transforms"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await sharp(out).metadata()).width, 192);
  const recipe = RecipeSchema.parse(
    JSON.parse(await Deno.readTextFile(out.replace(/\.png$/, ".recipe.json"))),
  );
  assert.deepEqual(recipe.run?.scales, [{ size: 192, iterations: 2, tiles: 4, tile: 96 }]);
  // The budget is a run option: the recipe itself is the untiled run's.
  assert.equal(recipe.size, 192);
  const bad = await cli([...args, "--memory-mb", "0"]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^error: --memory-mb must be > 0, got 0\n$/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("stylize CLI without --net runs MobileNet-v1 with its default fixed views", async () => {
  const dir = await Deno.makeTempDir();
  const out = join(dir, "out.png");
  const args = base(out);
  args.splice(args.indexOf("--net"), 2);
  const r = await cli([...args, "--iters", "1"]);
  assert.equal(r.code, 0, r.stderr);
  const recipe = RecipeSchema.parse(
    JSON.parse(await Deno.readTextFile(join(dir, "out.recipe.json"))),
  );
  assert.equal(recipe.net.id, "mobilenet-v1");
  assert.equal(recipe.transforms?.views, 4);
  assert.equal(recipe.transforms?.padMode, "reflect");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("stylize CLI supersamples ResNet-50 at small sizes: it runs at k times the sides and writes the asked size", async () => {
  const dir = await Deno.makeTempDir();
  const out = join(dir, "out.png");
  const args = base(out);
  args[args.indexOf("--net") + 1] = "resnet50";
  const run = async (...more: string[]) => {
    const r = await cli([...args, "--iters", "2", ...more]);
    assert.equal(r.code, 0, r.stderr);
    const meta = await sharp(out).metadata();
    const recipe = RecipeSchema.parse(
      JSON.parse(await Deno.readTextFile(join(dir, "out.recipe.json"))),
    );
    return { sides: [meta.width, meta.height], recipe };
  };
  // 48 px: the run works at k times 48x32 (chelsea is 451x300), and writes 48x32. At 2x, 96 px is
  // one scale of the default pyramid (its 128 px start is above it).
  const k = supersampleFor(48, ARCH_DEFAULTS.resnet50.supersample!.side)!;
  assert.ok(k > 1);
  const twice = await run();
  assert.deepEqual(twice.sides, [48, 32]);
  assert.equal(twice.recipe.size, 48);
  assert.equal(twice.recipe.supersample, k);
  assert.equal(twice.recipe.run?.scales?.at(-1)?.size, 48 * k);
  // --supersample 1 runs at the output's sides; the same size comes out.
  const once = await run("--supersample", "1");
  assert.deepEqual(once.sides, [48, 32]);
  assert.equal(once.recipe.supersample, 1);
  assert.deepEqual(once.recipe.run?.scales?.map((s) => s.size), [48]);
  await Deno.remove(dir, { recursive: true });
});
