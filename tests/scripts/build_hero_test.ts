import assert from "node:assert/strict";
import { HERO_PAIRS, heroFromCache, heroJobs } from "../../scripts/build_hero.ts";
import { SOURCES } from "../../scripts/build_examples.ts";

// Stand-in inputs: the cache key hashes the files' bytes, so they need not be images.
async function fakeImages(dir: string): Promise<URL> {
  for (const s of SOURCES) {
    await Deno.mkdir(`${dir}/${s.file.split("/")[0]}`, { recursive: true });
    await Deno.writeTextFile(`${dir}/${s.file}`, s.id);
  }
  return new URL(`file://${dir}/`);
}

async function fakeModels(dir: string, manifest: object): Promise<URL> {
  await Deno.mkdir(`${dir}/darknet-tiny`, { recursive: true });
  await Deno.writeTextFile(`${dir}/darknet-tiny/manifest.json`, JSON.stringify(manifest));
  return new URL(`file://${dir}/`);
}

Deno.test("heroFromCache() copies the cached pictures whose recipe and inputs still match, and only those", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "atelier-hero-" });
  try {
    const imagesDir = await fakeImages(`${tmp}/images`);
    const manifest = { id: "darknet-tiny", architecture: "darknet-tiny" };
    const modelsDir = await fakeModels(`${tmp}/models`, manifest);
    const cacheDir = new URL(`file://${tmp}/cache/`);
    const out = new URL(`file://${tmp}/out/`);
    await Deno.mkdir(cacheDir, { recursive: true });
    await Deno.mkdir(out, { recursive: true });
    const o = { imagesDir, modelsDir, cacheDir };

    const jobs = await heroJobs(o);
    assert.equal(jobs.length, HERO_PAIRS.length);
    assert.equal(new Set(jobs.map((j) => j.key)).size, jobs.length, "one key per pair");
    // Nothing painted yet: an empty strip, and the build paints nothing.
    assert.deepEqual(await heroFromCache(out, o), []);

    // The first pair painted: it alone is copied, under a served, key-named file.
    await Deno.writeTextFile(new URL(`${jobs[0].key}.webp`, cacheDir), "picture");
    const hero = await heroFromCache(out, o);
    assert.equal(hero.length, 1);
    const [c, s] = HERO_PAIRS[0];
    assert.equal(hero[0].image, `/hero-${c}-${s}-${jobs[0].key}.webp`);
    assert.equal(await Deno.readTextFile(new URL(hero[0].image.slice(1), out)), "picture");
    assert.match(hero[0].credit, /photo: .*\(CC0\); painting: .*\(Public domain\)/);

    // A changed painting file, or a changed network manifest, makes that picture stale.
    const style = SOURCES.find((x) => x.id === s)!;
    await Deno.writeTextFile(`${tmp}/images/${style.file}`, "another painting");
    assert.deepEqual(await heroFromCache(out, o), []);
    await Deno.writeTextFile(`${tmp}/images/${style.file}`, s);
    assert.equal((await heroFromCache(out, o)).length, 1);
    await fakeModels(`${tmp}/models`, { ...manifest, note: "reconverted" });
    assert.deepEqual(await heroFromCache(out, o), []);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("heroJobs() is empty when the network or the team images are missing", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "atelier-hero-" });
  try {
    const none = new URL(`file://${tmp}/none/`);
    assert.deepEqual(await heroJobs({ modelsDir: none }), []);
    const modelsDir = await fakeModels(`${tmp}/models`, {
      id: "darknet-tiny",
      architecture: "darknet-tiny",
    });
    assert.deepEqual(await heroJobs({ modelsDir, imagesDir: none }), []);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
