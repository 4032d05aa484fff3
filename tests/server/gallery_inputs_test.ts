/**
 * Inputs of shared entries over real HTTP on loopback, against a KV file: paintings stored once
 * per content hash, the private photo never stored, the bad-image corpus applied to inputs,
 * delete removing inputs no other entry uses, concurrent uploads of one painting, the sweep of
 * orphaned input chunks, and "more with this painting" (?style=).
 */
import assert from "node:assert/strict";
import sharp from "sharp";
import { sha256Hex } from "../../src/server/hash.ts";
import { GalleryStore } from "../../src/server/store/gallery_store.ts";
import { inputChunkPrefix, inputKey } from "../../src/server/store/keys.ts";
import { badImages } from "./_bad_images.ts";
import { image, makeModels, recipe, serveLocal, uploadForm } from "./_helpers.ts";

const models = await makeModels();

type Bytes = Uint8Array<ArrayBuffer>;

/** An upload with a result, `styles` as style parts and, when given, the photo. */
function form(styles: Bytes[], opts: { content?: Bytes; title?: string } = {}): FormData {
  const f = uploadForm(RESULT, {
    recipe: recipe({ styles: styles.map((_, i) => ({ name: `p${i}.png`, weight: 1 })) }),
    title: opts.title,
  });
  if (opts.content) f.append("content", new Blob([opts.content], { type: "image/png" }), "c.png");
  for (const s of styles) f.append("style", new Blob([s], { type: "image/png" }), "s.png");
  return f;
}

async function post(url: string, f: FormData) {
  const res = await fetch(`${url}/api/gallery`, { method: "POST", body: f });
  return { status: res.status, body: await res.json() };
}

async function entry(url: string, id: string) {
  return await (await fetch(`${url}/api/gallery/${id}`)).json();
}

async function del(url: string, id: string, token: string) {
  const r = await fetch(`${url}/api/gallery/${id}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${token}` },
  });
  await r.body?.cancel();
  return r.status;
}

/** The (sha, generation) pairs that have chunks in KV. */
async function generations(kv: Deno.Kv): Promise<string[]> {
  const out = new Set<string>();
  for await (const e of kv.list({ prefix: ["gallery", "input_chunk"] })) {
    out.add(`${String(e.key[2])}/${String(e.key[3])}`);
  }
  return [...out].sort();
}

const RESULT = await image(48, 32);
const PAINTING = await image(40, 30, "png", { r: 20, g: 60, b: 200 });
const OTHER_PAINTING = await image(40, 30, "png", { r: 250, g: 200, b: 10 });
const PHOTO = await image(48, 32, "png", { r: 90, g: 140, b: 30 });

Deno.test("a painting shared twice, in two encodings of the same pixels, is stored once", async () => {
  const s = await serveLocal(models);
  try {
    // Same pixels, different bytes: maximum zlib compression plus metadata (sharp keeps it
    // with withMetadata). The server re-encodes both to the same bytes, so one hash.
    const recoded = new Uint8Array(
      await sharp(PAINTING).withMetadata({ density: 300 }).png({ compressionLevel: 9 })
        .toBuffer(),
    );
    assert.notDeepEqual(recoded, PAINTING, "the two uploads differ byte for byte");
    const a = await post(s.url, form([PAINTING], { content: PHOTO }));
    const b = await post(s.url, form([recoded]));
    assert.equal(a.status, 201, JSON.stringify(a.body));
    assert.equal(b.status, 201, JSON.stringify(b.body));
    const ea = await entry(s.url, a.body.id);
    const eb = await entry(s.url, b.body.id);
    const sha = ea.inputs.styles[0].sha256;
    assert.equal(eb.inputs.styles[0].sha256, sha);
    assert.equal(ea.inputs.styles[0].url, `/api/gallery/inputs/${sha}`);

    // The id is the sha256 of the bytes served (computed here independently).
    const res = await fetch(`${s.url}${ea.inputs.styles[0].url}`);
    assert.equal(res.headers.get("content-type"), "image/png");
    assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable");
    const served = new Uint8Array(await res.arrayBuffer());
    assert.equal(await sha256Hex(served), sha);
    // Re-encoded: the density metadata is gone, the pixels are the painting's.
    const meta = await sharp(served).metadata();
    assert.equal(meta.density, undefined);
    const [want, got] = await Promise.all(
      [PAINTING, served].map((b) => sharp(b).removeAlpha().raw().toBuffer()),
    );
    assert.deepEqual(new Uint8Array(got), new Uint8Array(want));
    const again = await fetch(`${s.url}${ea.inputs.styles[0].url}`, {
      headers: { "if-none-match": `"${sha}"` },
    });
    assert.equal(again.status, 304);
    await again.body?.cancel();

    // KV: one record for the painting (2 entries), one for the photo, one chunk generation each.
    const census = await new GalleryStore(s.kv).census();
    assert.equal(census.input.length, 2);
    assert.equal((await s.kv.get<{ refs: number }>(inputKey(sha))).value?.refs, 2);
    assert.equal((await generations(s.kv)).length, 2);
    assert.equal(ea.inputs.content.sha256, (await entry(s.url, a.body.id)).inputs.content.sha256);
  } finally {
    await s.close();
  }
});

Deno.test("an unticked photo is never stored: the entry and the page say it is private", async () => {
  const s = await serveLocal(models);
  try {
    const up = await post(s.url, form([PAINTING]));
    assert.equal(up.status, 201);
    const e = await entry(s.url, up.body.id);
    assert.equal(e.inputs.content, null);
    assert.equal(e.inputs.styles.length, 1);
    // The only input in KV is the painting: one record, one chunk generation, under its hash.
    const census = await new GalleryStore(s.kv).census();
    assert.deepEqual(census.input, [inputKey(e.inputs.styles[0].sha256)]);
    assert.deepEqual(await generations(s.kv), [`${e.inputs.styles[0].sha256}/${up.body.id}`]);
    // No stored value anywhere holds the photo's pixels (its re-encoding would be a PNG too).
    const photoPixels = new Uint8Array(await sharp(PHOTO).raw().toBuffer());
    for await (const kvEntry of s.kv.list({ prefix: [] })) {
      if (!(kvEntry.value instanceof Uint8Array)) continue;
      const decoded = await sharp(kvEntry.value).removeAlpha().raw().toBuffer().catch(() => null);
      if (decoded) assert.notDeepEqual(new Uint8Array(decoded), photoPixels);
    }
    const html = await (await fetch(`${s.url}/g/${up.body.id}`)).text();
    assert.match(html, /data-testid="photo-private">The photo is private/);
    assert.ok(!html.includes(`class="before"`), "no before/after without the photo");
  } finally {
    await s.close();
  }
});

Deno.test("the bad-image corpus sent as a painting or a photo is refused and stores nothing", async () => {
  const s = await serveLocal(models);
  try {
    for (const bad of await badImages()) {
      for (const as of ["style", "content"] as const) {
        const f = uploadForm(RESULT);
        const part = new Blob([bad.bytes], { type: bad.type });
        if (as === "content") {
          f.append("content", part, "c.png");
          f.append("style", new Blob([PAINTING], { type: "image/png" }), "s.png");
        } else f.append("style", part, "s.png");
        const r = await post(s.url, f);
        assert.equal(r.status, bad.status, `${bad.name} as ${as}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error?.code, bad.code, `${bad.name} as ${as}`);
      }
    }
    assert.deepEqual(await new GalleryStore(s.kv).census(), {});
  } finally {
    await s.close();
  }
});

Deno.test("inputs that do not match the recipe are refused", async () => {
  const s = await serveLocal(models);
  try {
    // The recipe names one painting.
    const two = uploadForm(RESULT);
    for (const p of [PAINTING, OTHER_PAINTING]) {
      two.append("style", new Blob([p], { type: "image/png" }), "s.png");
    }
    const r1 = await post(s.url, two);
    assert.equal(r1.status, 400);
    assert.match(r1.body.error.message, /2 style images: the recipe names 1/);
    const photoOnly = uploadForm(RESULT);
    photoOnly.append("content", new Blob([PHOTO], { type: "image/png" }), "c.png");
    assert.equal((await post(s.url, photoOnly)).status, 400);
    const badFilter = await fetch(`${s.url}/api/gallery?style=abc`);
    assert.equal(badFilter.status, 400);
    await badFilter.body?.cancel();
    assert.deepEqual(await new GalleryStore(s.kv).census(), {});
  } finally {
    await s.close();
  }
});

Deno.test("delete removes an entry's inputs unless another entry uses them", async () => {
  const s = await serveLocal(models);
  try {
    const a = (await post(s.url, form([PAINTING], { content: PHOTO }))).body;
    const b = (await post(s.url, form([PAINTING]))).body;
    const ea = await entry(s.url, a.id);
    const photo = ea.inputs.content.sha256;
    const painting = ea.inputs.styles[0].sha256;
    const status = (sha: string) =>
      fetch(`${s.url}/api/gallery/inputs/${sha}`).then(async (
        r,
      ) => (await r.body?.cancel(), r.status));

    assert.equal(await del(s.url, a.id, a.deleteToken), 200);
    assert.equal(await status(photo), 404, "the photo only A used is gone");
    assert.equal(await status(painting), 200, "B still uses the painting");
    assert.equal((await s.kv.get<{ refs: number }>(inputKey(painting))).value?.refs, 1);
    assert.deepEqual(await generations(s.kv), [`${painting}/${a.id}`]);
    assert.equal((await Array.fromAsync(s.kv.list({ prefix: inputChunkPrefix(photo) }))).length, 0);

    assert.equal(await del(s.url, b.id, b.deleteToken), 200);
    assert.equal(await status(painting), 404);
    assert.deepEqual(await new GalleryStore(s.kv).census(), {});
  } finally {
    await s.close();
  }
});

Deno.test("8 concurrent uploads of a new painting count 8 references on one copy", async () => {
  const s = await serveLocal(models);
  try {
    const ups = await Promise.all(
      Array.from({ length: 8 }, () => post(s.url, form([OTHER_PAINTING]))),
    );
    assert.deepEqual(ups.map((u) => u.status), Array(8).fill(201));
    const sha = (await entry(s.url, ups[0].body.id)).inputs.styles[0].sha256;
    const record = (await s.kv.get<{ refs: number; gen: string }>(inputKey(sha))).value!;
    assert.equal(record.refs, 8);
    // Uploads that lost the race to create the record dropped their own copy.
    assert.deepEqual(await generations(s.kv), [`${sha}/${record.gen}`]);
    for (const u of ups) assert.equal(await del(s.url, u.body.id, u.body.deleteToken), 200);
    assert.deepEqual(await new GalleryStore(s.kv).census(), {});
  } finally {
    await s.close();
  }
});

Deno.test("sweep() removes input chunks of no record and no pending upload, and keeps the live copy", async () => {
  const s = await serveLocal(models);
  try {
    const up = (await post(s.url, form([PAINTING]))).body;
    const sha = (await entry(s.url, up.id)).inputs.styles[0].sha256;
    // What a crash after writing a losing copy leaves: chunks of a generation with no marker.
    await s.kv.set([...inputChunkPrefix(sha, "crashedcrashedcrashed0"), 0], new Uint8Array(9));
    assert.equal(await new GalleryStore(s.kv).sweep(0), 1);
    assert.deepEqual(await generations(s.kv), [`${sha}/${up.id}`]);
    const live = await fetch(`${s.url}/api/gallery/inputs/${sha}`);
    await live.body?.cancel();
    assert.equal(live.status, 200);
  } finally {
    await s.close();
  }
});

Deno.test("?style=<sha> lists the entries made with that painting, newest first", async () => {
  let t = 1_000_000;
  const s = await serveLocal(models, { now: () => t++ });
  try {
    const a = (await post(s.url, form([PAINTING], { title: "a" }))).body;
    const other = (await post(s.url, form([OTHER_PAINTING], { title: "other" }))).body;
    const b = (await post(s.url, form([OTHER_PAINTING, PAINTING], { title: "b" }))).body;
    const sha = (await entry(s.url, a.id)).inputs.styles[0].sha256;
    const list = await (await fetch(`${s.url}/api/gallery?style=${sha}`)).json();
    assert.deepEqual(list.items.map((i: { id: string }) => i.id), [b.id, a.id]);
    assert.ok(!list.items.some((i: { id: string }) => i.id === other.id));
    // A deleted entry leaves the filter.
    assert.equal(await del(s.url, b.id, b.deleteToken), 200);
    const after = await (await fetch(`${s.url}/api/gallery?style=${sha}`)).json();
    assert.deepEqual(after.items.map((i: { id: string }) => i.id), [a.id]);
  } finally {
    await s.close();
  }
});
