/** `deno task stylize` end to end as a subprocess: output files, recipe, and one-line errors. */
import assert from "node:assert/strict";
import { join } from "node:path";
import sharp from "sharp";
import { ROOT, sharedImage } from "../_images.ts";
import { RecipeSchema } from "../../src/shared/types.ts";

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

Deno.test("stylize CLI writes the PNG and a recipe that reproduces the run", async () => {
  const dir = await Deno.makeTempDir();
  const out = join(dir, "out.png");
  const r = await cli([...base(out), "--seed", "7", "--backend", "cpu"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /3 iterations in .* on cpu/);
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
  assert.deepEqual((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort(), [
    "out.png",
    "out.recipe.json",
  ]);
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
