/**
 * Durability of src/server/main.ts as a child process over a KV file: data survives a restart,
 * a SIGKILL in the middle of an upload leaves no visible or half entry, and the startup sweep
 * removes chunks that a killed writer left behind.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { GalleryStore } from "../../src/server/store/gallery_store.ts";
import { image, makeModels, recipe, ROOT, spawnServer } from "./_helpers.ts";

const models = await makeModels();

async function tempKv(): Promise<string> {
  return join(await Deno.makeTempDir({ prefix: "atelier-dur-" }), "data", "atelier.kv");
}

const args = (kvPath: string, extra: string[] = []) => [
  "--kv-path",
  kvPath,
  "--models-dir",
  models.modelsDir,
  "--client-dir",
  join(models.root, "none"),
  ...extra,
];

async function census(kvPath: string) {
  const kv = await Deno.openKv(kvPath);
  try {
    return await new GalleryStore(kv).census();
  } finally {
    kv.close();
  }
}

async function upload(url: string, title: string) {
  const form = new FormData();
  form.append("image", new Blob([await image(120, 80)], { type: "image/png" }), "a.png");
  form.append("recipe", JSON.stringify(recipe()));
  form.append("title", title);
  const res = await fetch(`${url}/api/gallery`, { method: "POST", body: form });
  assert.equal(res.status, 201);
  return await res.json();
}

Deno.test("main.ts keeps the gallery across a graceful restart", async () => {
  const kvPath = await tempKv();
  const first = await spawnServer(args(kvPath));
  const up = await upload(first.url, "survivor");
  const status = await first.stop("SIGTERM");
  assert.equal(status.code, 0, first.log());

  const second = await spawnServer(args(kvPath));
  try {
    const list = await (await fetch(`${second.url}/api/gallery`)).json();
    assert.deepEqual(list.items.map((i: { id: string }) => i.id), [up.id]);
    const img = await fetch(`${second.url}/api/gallery/${up.id}/image`);
    assert.equal(img.status, 200);
    assert.ok((await img.arrayBuffer()).byteLength > 0);
  } finally {
    await second.stop();
  }
});

Deno.test("SIGKILL mid-upload and mid-chunk-write leaves no partial entry, and the sweep cleans up", async () => {
  const kvPath = await tempKv();
  const server = await spawnServer(args(kvPath));
  const kept = await upload(server.url, "complete");

  // 1. A slow streaming upload: the server is killed while the body is still arriving.
  const png = await image(300, 300);
  const form = new FormData();
  form.append("recipe", JSON.stringify(recipe()));
  form.append("image", new Blob([png], { type: "image/png" }), "slow.png");
  const body = new Uint8Array(await new Response(form).arrayBuffer());
  const type = new Response(form).headers.get("content-type")!;
  let sentHalf!: () => void;
  const half = new Promise<void>((r) => (sentHalf = r));
  const slow = new ReadableStream<Uint8Array>({
    async start(ctl) {
      const step = Math.ceil(body.byteLength / 20);
      for (let at = 0; at < body.byteLength; at += step) {
        ctl.enqueue(body.subarray(at, at + step));
        if (at >= body.byteLength / 2) sentHalf();
        await new Promise((r) => setTimeout(r, 50));
      }
      ctl.close();
    },
  });
  const pending = fetch(`${server.url}/api/gallery`, {
    method: "POST",
    body: slow,
    headers: { "content-type": type },
  }).then(async (r) => (await r.body?.cancel(), r.status), () => "reset");
  await half;
  const killed = await server.stop("SIGKILL");
  assert.equal(killed.signal, "SIGKILL");
  assert.equal(await pending, "reset");

  // 2. A writer killed while it commits chunks (a real crash between chunk commits).
  const writer = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "tests/server/_crash_writer.ts", kvPath],
    cwd: ROOT,
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = writer.stdout.pipeThrough(new TextDecoderStream()).getReader();
  assert.equal((await reader.read()).value?.trim(), "writing");
  writer.kill("SIGKILL");
  await writer.status;
  while (!(await reader.read()).done) { /* drain */ }

  const crashed = await census(kvPath);
  assert.equal(crashed.pending?.length, 1, "the killed writer left its pending marker");
  assert.ok((crashed.chunk?.length ?? 0) > 2, "the killed writer left chunks behind");
  assert.equal(crashed.entry.length, 1, "no half entry: only the complete upload");

  // Restart with a zero sweep age: the orphans go, the complete entry stays.
  const again = await spawnServer(args(kvPath, ["--sweep-age-ms", "0"]));
  try {
    const list = await (await fetch(`${again.url}/api/gallery`)).json();
    assert.deepEqual(list.items.map((i: { id: string }) => i.id), [kept.id]);
    const img = await fetch(`${again.url}/api/gallery/${kept.id}/image`);
    assert.equal(img.status, 200);
    await img.body?.cancel();
  } finally {
    await again.stop();
  }
  const after = await census(kvPath);
  assert.equal(after.pending, undefined);
  assert.equal(after.entry.length, 1);
  assert.equal(after.by_time.length, 1);
  const ids = new Set(after.chunk.map((k) => k[2]));
  assert.deepEqual([...ids], [kept.id], "only the kept entry has chunks");
});
