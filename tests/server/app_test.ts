/** Unit tests through app.request(): models, presets, static client, headers, helpers. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createApp } from "../../src/server/app.ts";
import { escapeHtml, jsonForScript } from "../../src/server/html.ts";
import { pngComplete, sniff } from "../../src/server/image.ts";
import { limitsFrom } from "../../src/server/limits.ts";
import { ModelSummarySchema, PresetSchema } from "../../src/shared/types.ts";
import { parseManifest } from "../../src/shared/nets/manifest.ts";
import { image, makeModels } from "./_helpers.ts";

const models = await makeModels();

async function withApp(
  fn: (app: ReturnType<typeof createApp>) => Promise<void>,
  clientDir?: string,
) {
  const kv = await Deno.openKv(":memory:");
  try {
    await fn(
      createApp({
        kv,
        modelsDir: models.modelsDir,
        clientDir: clientDir ?? join(models.root, "none"),
      }),
    );
  } finally {
    kv.close();
  }
}

Deno.test("GET /api/models lists the manifests the engine accepts and skips the others", async () => {
  // The fixture is one the engine's own parser accepts (it was not: issue 11).
  const path = join(models.modelsDir, "tiny-net", "manifest.json");
  parseManifest(JSON.parse(await Deno.readTextFile(path)), path);
  const drifted = join(models.modelsDir, "drifted", "manifest.json");
  assert.throws(() => parseManifest(JSON.parse(Deno.readTextFileSync(drifted)), drifted));
  await withApp(async (app) => {
    const res = await app.request("/api/models");
    assert.equal(res.status, 200);
    const list = await res.json();
    // "broken" is not JSON and "drifted" passes the old hand rules but not parseManifest.
    assert.deepEqual(list.map((m: { id: string }) => m.id), ["tiny-net"]);
    const m = ModelSummarySchema.parse(list[0]);
    assert.equal(m.bytes, 5000); // body: 2500 float16 elements (see tinyManifest)
    assert.equal(m.headBytes, 1252); // head: 626 float16 elements
    const manifest = await Deno.readFile(join(models.modelsDir, "tiny-net", "manifest.json"));
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", manifest));
    assert.equal(
      m.manifestSha256,
      Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""),
    );
  });
});

Deno.test("GET /api/models follows a model folder that is a symlink", async () => {
  // A models folder whose entries link elsewhere (another disk, a shared install) used to list
  // nothing: Deno's DirEntry.isDirectory is false for a link.
  const linked = await Deno.makeTempDir({ prefix: "atelier-linked-" });
  try {
    await Deno.symlink(join(models.modelsDir, "tiny-net"), join(linked, "tiny-net"));
    await Deno.symlink(join(models.root, "missing"), join(linked, "dangling"));
    const kv = await Deno.openKv(":memory:");
    try {
      const app = createApp({ kv, modelsDir: linked, clientDir: join(models.root, "none") });
      const list = await (await app.request("/api/models")).json();
      assert.deepEqual(list.map((m: { id: string }) => m.id), ["tiny-net"]);
      const shard = await app.request(`/models/tiny-net/${models.shardName}`);
      assert.equal(shard.status, 200);
      assert.deepEqual(new Uint8Array(await shard.arrayBuffer()), models.shard);
    } finally {
      kv.close();
    }
  } finally {
    await Deno.remove(linked, { recursive: true });
  }
});

Deno.test("GET /models/:id/manifest.json has a strong ETag, no-cache and answers 304", async () => {
  await withApp(async (app) => {
    const res = await app.request("/models/tiny-net/manifest.json");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.equal(res.headers.get("cache-control"), "no-cache");
    const etag = res.headers.get("etag")!;
    assert.match(etag, /^"[0-9a-f]{64}"$/);
    assert.equal((await res.json()).id, "tiny-net");
    const again = await app.request("/models/tiny-net/manifest.json", {
      headers: { "if-none-match": etag },
    });
    assert.equal(again.status, 304);
  });
});

Deno.test("GET /models/:id/:shard is immutable, supports ranges and 416", async () => {
  await withApp(async (app) => {
    const url = `/models/tiny-net/${models.shardName}`;
    const res = await app.request(url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.equal(res.headers.get("content-type"), "application/octet-stream");
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), models.shard);
    const etag = res.headers.get("etag")!;
    assert.equal((await app.request(url, { headers: { "if-none-match": etag } })).status, 304);
    const part = await app.request(url, { headers: { range: "bytes=100-199" } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get("content-range"), "bytes 100-199/5000");
    assert.deepEqual(new Uint8Array(await part.arrayBuffer()), models.shard.subarray(100, 200));
    const tail = await app.request(url, { headers: { range: "bytes=-10" } });
    assert.equal(tail.status, 206);
    assert.deepEqual(new Uint8Array(await tail.arrayBuffer()), models.shard.subarray(4990));
    for (const bad of ["bytes=5000-", "bytes=9-3", "bytes=abc"]) {
      const r = await app.request(url, { headers: { range: bad } });
      assert.equal(r.status, 416, bad);
      assert.equal(r.headers.get("content-range"), "bytes */5000");
      assert.equal((await r.json()).error.code, "range_not_satisfiable");
    }
  });
});

Deno.test("model routes refuse traversal and files the manifest does not list", async () => {
  await withApp(async (app) => {
    const attempts = [
      "/models/..%2f..%2fetc/passwd",
      "/models/..%2F..%2Fsecret.txt/x",
      "/models/tiny-net/..%2f..%2fsecret.txt",
      "/models/tiny-net/%2e%2e%2f%2e%2e%2fsecret.txt",
      "/models/%2e%2e/secret.txt",
      "/models/tiny-net/..%5c..%5csecret.txt",
      "/models/tiny-net/manifest.json%00.bin",
      "/models/broken/manifest.json",
      "/models/tiny-net/nonexistent.bin",
    ];
    for (const path of attempts) {
      const res = await app.request(path);
      const text = await res.text();
      assert.ok([400, 404].includes(res.status), `${path}: ${res.status}`);
      assert.ok(!text.includes("TOP-SECRET"), path);
      assert.equal(JSON.parse(text).error.code, res.status === 400 ? "bad_request" : "not_found");
    }
  });
});

Deno.test("GET /api/presets serves valid presets and the literature's VGG-19 defaults", async () => {
  await withApp(async (app) => {
    const res = await app.request("/api/presets");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json");
    const body = await res.json();
    // Independent of presets.ts: every served preset must pass the schema, and the two
    // presets the README names must be there.
    for (const p of body.presets) PresetSchema.parse(p);
    const ids = body.presets.map((p: { id: string }) => p.id);
    for (const id of ["gatys2016-vgg19", "nakano2019-resnet50"]) assert.ok(ids.includes(id), id);
    // Gatys, Ecker & Bethge 2016, section 2: VGG-19 with average pooling, style on
    // relu1_1..relu5_1 (conv1_1..conv5_1), content on relu4_2 (conv4_2).
    const vgg = body.defaults.vgg19;
    assert.equal(vgg.pooling, "avg");
    assert.deepEqual(vgg.layers.style.map((l: { layer: string }) => l.layer), [
      "relu1_1",
      "relu2_1",
      "relu3_1",
      "relu4_1",
      "relu5_1",
    ]);
    assert.deepEqual(vgg.layers.content.map((l: { layer: string }) => l.layer), ["relu4_2"]);
  });
});

Deno.test("unknown paths and wrong methods are JSON errors with security headers", async () => {
  await withApp(async (app) => {
    const res = await app.request("/api/nope");
    assert.equal(res.status, 404);
    assert.deepEqual(Object.keys((await res.json()).error), ["code", "message"]);
    const put = await app.request("/api/gallery", { method: "PUT" });
    assert.equal(put.status, 405);
    assert.equal((await put.json()).error.code, "method_not_allowed");
    assert.equal(put.headers.get("x-content-type-options"), "nosniff");
    assert.match(put.headers.get("content-security-policy")!, /frame-ancestors 'none'/);
  });
});

Deno.test("GET / explains a missing build, then serves a built client with caching rules", async () => {
  await withApp(async (app) => {
    const res = await app.request("/");
    assert.equal(res.status, 200);
    assert.match(await res.text(), /deno task build/);
  });
  const clientDir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    join(clientDir, "index.html"),
    `<!doctype html><script type="module" src="/app-ABCDEFGH.js"></script>`,
  );
  await Deno.writeTextFile(join(clientDir, "app-ABCDEFGH.js"), "console.log(1)");
  const pthread = "tfjs-backend-wasm-threaded-simd.worker-0123456789abcdef.js";
  await Deno.writeTextFile(join(clientDir, pthread), "importScripts('/x.js');");
  await withApp(async (app) => {
    const index = await app.request("/");
    assert.equal(index.headers.get("cache-control"), "no-cache");
    assert.equal(index.headers.get("cross-origin-opener-policy"), "same-origin");
    assert.equal(index.headers.get("cross-origin-embedder-policy"), "require-corp");
    assert.match(
      index.headers.get("content-security-policy")!,
      /script-src 'self' 'wasm-unsafe-eval'/,
    );
    // WASM pthreads run from same-origin scripts (scripts/build_client.ts): no blob: workers.
    assert.match(index.headers.get("content-security-policy")!, /worker-src 'self'(;|$)/);
    assert.match(await index.text(), /app-ABCDEFGH/);
    // A dedicated worker takes its isolation from its own script's response.
    const worker = await app.request(`/${pthread}`);
    assert.equal(worker.status, 200);
    assert.match(worker.headers.get("content-type")!, /javascript/);
    assert.equal(worker.headers.get("cross-origin-embedder-policy"), "require-corp");
    assert.equal(worker.headers.get("cache-control"), "public, max-age=31536000, immutable");
    await worker.body?.cancel();
    const js = await app.request("/app-ABCDEFGH.js");
    assert.equal(js.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.equal(js.headers.get("cross-origin-resource-policy"), "same-origin");
    assert.match(js.headers.get("content-type")!, /javascript/);
    assert.equal(await js.text(), "console.log(1)");
    assert.equal((await app.request("/..%2fsecret.txt")).status, 404);
  }, clientDir);
});

Deno.test("escapeHtml() and jsonForScript() neutralise markup", () => {
  assert.equal(
    escapeHtml(`<a href="x">'&'</a>`),
    "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
  );
  const s = jsonForScript({ t: "</script><!--\u2028&" });
  assert.ok(!/[<>&\u2028]/.test(s));
  assert.deepEqual(JSON.parse(s), { t: "</script><!--\u2028&" });
});

Deno.test("sniff() and pngComplete() tell real images from impostors", async () => {
  const png = await image(8, 8, "png");
  assert.equal(sniff(png), "png");
  assert.equal(sniff(await image(8, 8, "jpeg")), "jpeg");
  assert.equal(sniff(await image(8, 8, "webp")), "webp");
  assert.equal(sniff(new TextEncoder().encode("GIF89a....")), null);
  assert.equal(sniff(new TextEncoder().encode("<svg xmlns=...>")), null);
  assert.ok(pngComplete(png));
  assert.ok(!pngComplete(png.subarray(0, png.length - 12)));
});

Deno.test("limitsFrom() reads flags over env and rejects junk", () => {
  const env = (n: string) => ({ MAX_PIXELS: "100", MAX_SIDE: "9" } as Record<string, string>)[n];
  assert.deepEqual(limitsFrom({ "max-side": "512" }, env), { maxPixels: 100, maxSide: 512 });
  assert.throws(() => limitsFrom({ "max-side": "-1" }, () => undefined), RangeError);
});

Deno.test("HEAD on a model shard, a client file and a range leaks no file handle", async () => {
  const clientDir = await Deno.makeTempDir();
  await Deno.writeTextFile(join(clientDir, "app-ABCDEFGH.js"), "console.log(1)");
  const fds = () => [...Deno.readDirSync("/proc/self/fd")].length;
  await withApp(async (app) => {
    const urls = [`/models/tiny-net/${models.shardName}`, "/app-ABCDEFGH.js"];
    // Warm up (the model scan and module caches open files once).
    for (const url of urls) await (await app.request(url, { method: "HEAD" })).body?.cancel();
    const before = fds();
    for (let i = 0; i < 50; i++) {
      for (const url of urls) {
        const res = await app.request(url, { method: "HEAD" });
        assert.equal(res.status, 200, url);
        assert.equal(res.body, null, `${url}: HEAD has no body`);
        assert.ok(Number(res.headers.get("content-length")) > 0, url);
      }
      const part = await app.request(urls[0], { method: "HEAD", headers: { range: "bytes=0-9" } });
      assert.equal(part.status, 206);
      assert.equal(part.headers.get("content-length"), "10");
    }
    // 150 HEADs: before the fix each left one open handle (150 more fds).
    assert.ok(fds() - before < 5, `open fds grew from ${before} to ${fds()}`);
  }, clientDir);
});
