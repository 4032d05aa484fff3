/**
 * Fixtures for the server tests: a temporary models directory with a fake manifest and shards,
 * images made with sharp, a valid recipe, and a loopback server either in-process
 * (Deno.serve + createApp over a KV file) or as a `deno run src/server/main.ts` child process.
 */
import sharp from "sharp";
import { join } from "node:path";
import { createApp } from "../../src/server/app.ts";
import type { Limits } from "../../src/server/limits.ts";
import { sha256Hex } from "../../src/server/hash.ts";
import type { RecipeInput } from "../../src/shared/types.ts";

export const ROOT = new URL("../../", import.meta.url).pathname;

export interface ModelsFixture {
  root: string;
  modelsDir: string;
  shardName: string;
  shard: Uint8Array;
  headName: string;
  /** A file beside modelsDir that no request may ever read. */
  secretPath: string;
}

/**
 * A manifest the engine's parseManifest accepts: one 1x1 conv (3 -> 625 channels, with bias) in
 * the body and a 625 -> 1 dense layer in the head, stored as float16.
 *   body: kernel 1*1*3*625 = 1875 + bias 625 = 2500 elements * 2 bytes = 5000 bytes
 *   head: kernel 625*1 = 625 + bias 1 = 626 elements * 2 bytes = 1252 bytes
 */
export function tinyManifest(
  id: string,
  body: { path: string; sha256: string },
  head: { path: string; sha256: string },
): Record<string, unknown> {
  return {
    format: "atelier-net/1",
    id,
    name: "Tiny test net",
    architecture: "resnet50",
    variant: "test",
    description: "",
    licence: "test",
    source: { url: "test" },
    preprocess: { kind: "unit", order: "rgb", scale: 1, mean: [0, 0, 0], std: [1, 1, 1] },
    dtype: "float16",
    totalBytes: 5000,
    headBytes: 1252,
    layers: [{ name: "conv1", node: "conv1", channels: 625, stride: 1, kind: "feature" }],
    graph: [
      {
        op: "conv2d",
        name: "conv1",
        input: "input",
        kernel: "conv1/kernel",
        bias: "conv1/bias",
        strides: [1, 1],
        padding: "same",
      },
      { op: "globalAvgPool", name: "gap", input: "conv1" },
      { op: "dense", name: "logits", input: "gap", kernel: "fc/kernel", bias: "fc/bias" },
    ],
    weights: [
      { name: "conv1/kernel", shape: [1, 1, 3, 625], group: "body" },
      { name: "conv1/bias", shape: [625], group: "body" },
      { name: "fc/kernel", shape: [625, 1], group: "head" },
      { name: "fc/bias", shape: [1], group: "head" },
    ],
    shards: [
      { path: body.path, bytes: 5000, sha256: body.sha256, group: "body" },
      { path: head.path, bytes: 1252, sha256: head.sha256, group: "head" },
    ],
  };
}

/**
 * A temp dir with models/tiny-net (a manifest the engine accepts, body + head shard),
 * models/broken (not JSON), models/drifted (a manifest the server's old hand-written rules
 * accepted but the engine refuses: an unknown key and no graph) and secret.txt.
 */
export async function makeModels(): Promise<ModelsFixture> {
  const root = await Deno.makeTempDir({ prefix: "atelier-models-" });
  const modelsDir = join(root, "models");
  const dir = join(modelsDir, "tiny-net");
  await Deno.mkdir(dir, { recursive: true });
  const shard = new Uint8Array(5000).map((_, i) => (i * 31 + 7) & 255);
  const head = new Uint8Array(1252).fill(9);
  const shardSha = await sha256Hex(shard);
  const headSha = await sha256Hex(head);
  const shardName = `body-0-${shardSha.slice(0, 16)}.bin`;
  const headName = `head-0-${headSha.slice(0, 16)}.bin`;
  await Deno.writeFile(join(dir, shardName), shard);
  await Deno.writeFile(join(dir, headName), head);
  const body = { path: shardName, sha256: shardSha };
  const headShard = { path: headName, sha256: headSha };
  await Deno.writeTextFile(
    join(dir, "manifest.json"),
    JSON.stringify(tinyManifest("tiny-net", body, headShard)),
  );
  await Deno.mkdir(join(modelsDir, "broken"));
  await Deno.writeTextFile(join(modelsDir, "broken", "manifest.json"), "{not json");
  await Deno.mkdir(join(modelsDir, "drifted"));
  await Deno.writeTextFile(
    join(modelsDir, "drifted", "manifest.json"),
    JSON.stringify({
      format: "atelier-net/1",
      id: "drifted",
      name: "Drifted",
      architecture: "resnet50",
      variant: "test",
      dtype: "float16",
      somethingNew: { tolerated: true },
      shards: [{ path: shardName, bytes: 5000, sha256: shardSha, group: "body" }],
    }),
  );
  const secretPath = join(root, "secret.txt");
  await Deno.writeTextFile(secretPath, "TOP-SECRET-DO-NOT-SERVE");
  return { root, modelsDir, shardName, shard, headName, secretPath };
}

/** A solid-colour image of the given size and format. */
export async function image(
  width: number,
  height: number,
  format: "png" | "jpeg" | "webp" = "png",
  color = { r: 200, g: 40, b: 90 },
): Promise<Uint8Array<ArrayBuffer>> {
  const img = sharp({ create: { width, height, channels: 3, background: color } });
  const buf = await (format === "png" ? img.png() : format === "jpeg" ? img.jpeg() : img.webp())
    .toBuffer();
  return new Uint8Array(buf);
}

export function recipe(overrides: Partial<RecipeInput> = {}): RecipeInput {
  return {
    version: 1,
    net: { id: "tiny-net", pooling: "max" },
    size: 256,
    content: { name: "cat.png" },
    styles: [{ name: "starry.jpg", weight: 1 }],
    layers: { content: [{ layer: "res3d", weight: 1 }], style: [{ layer: "res2c", weight: 1 }] },
    weights: { content: 1, style: 10000, tv: 0 },
    init: "content",
    iterations: 100,
    optimizer: { kind: "lbfgs", history: 10 },
    seed: 7,
    ...overrides,
  };
}

/** multipart form for POST /api/gallery. */
export function uploadForm(
  img: Uint8Array<ArrayBuffer>,
  opts: { recipe?: unknown; recipeText?: string; title?: string; type?: string } = {},
): FormData {
  const form = new FormData();
  form.append("image", new Blob([img], { type: opts.type ?? "image/png" }), "result.png");
  form.append("recipe", opts.recipeText ?? JSON.stringify(opts.recipe ?? recipe()));
  if (opts.title !== undefined) form.append("title", opts.title);
  return form;
}

export interface LocalServer {
  url: string;
  port: number;
  kv: Deno.Kv;
  kvPath: string;
  close(): Promise<void>;
}

/** createApp over a KV file, served by Deno.serve on 127.0.0.1 (a random port). */
export async function serveLocal(
  models: ModelsFixture,
  opts: {
    limits?: Partial<Limits>;
    clientDir?: string;
    publicUrl?: string;
    /** Clock of the app (a fixed one keeps a test inside one rate-limit window). */
    now?: () => number;
  } = {},
): Promise<LocalServer> {
  const kvPath = join(await Deno.makeTempDir({ prefix: "atelier-kv-" }), "test.kv");
  const kv = await Deno.openKv(kvPath);
  const app = createApp({
    kv,
    modelsDir: models.modelsDir,
    clientDir: opts.clientDir ?? join(models.root, "no-client"),
    limits: { writesPerMinute: 10_000, ...opts.limits },
    publicUrl: opts.publicUrl,
    now: opts.now,
  });
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    (req, info) => app.fetch(req, { remoteAddr: info.remoteAddr }),
  );
  const port = server.addr.port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    kv,
    kvPath,
    async close() {
      await server.shutdown();
      kv.close();
    },
  };
}

export interface ChildServer {
  url: string;
  port: number;
  child: Deno.ChildProcess;
  /** stderr collected so far, for failure messages. */
  log(): string;
  /** Sends a signal and waits for the exit status. */
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

/** Starts `deno run -A src/server/main.ts --port 0` and waits for its "listening" line. */
export async function spawnServer(args: string[]): Promise<ChildServer> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "src/server/main.ts", "--port", "0", "--hostname", "127.0.0.1", ...args],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { DENO_TLS_CA_STORE: "mozilla,system", NO_COLOR: "1" },
  }).spawn();
  let err = "";
  const errDone = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (s) => void (err += s) }),
  );
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  let port = 0;
  while (!port) {
    const { done, value } = await lines.read();
    if (done) {
      await errDone;
      await child.status;
      throw new Error(`server exited before listening:\n${err}`);
    }
    out += value;
    for (const line of out.split("\n")) {
      if (line.startsWith("{")) {
        try {
          const j = JSON.parse(line);
          if (j.event === "listening") port = j.port;
        } catch { /* a partial line: wait for the rest */ }
      }
    }
  }
  const outDone = (async () => {
    while (!(await lines.read()).done) { /* drain */ }
  })();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    log: () => err,
    async stop(signal: Deno.Signal = "SIGTERM") {
      try {
        child.kill(signal);
      } catch { /* already exited */ }
      const status = await child.status;
      await outDone;
      await errDone;
      return status;
    },
  };
}

/** Writes a raw HTTP/1.1 request over TCP and returns the status line's code (or 0 on reset). */
export async function rawRequest(
  port: number,
  head: string,
  body: (write: (b: Uint8Array) => Promise<void>) => Promise<void>,
): Promise<{ status: number; text: string; sent: number }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  let sent = 0;
  let text = "";
  const reading = (async () => {
    const buf = new Uint8Array(64 * 1024);
    try {
      while (true) {
        const n = await conn.read(buf);
        if (n === null) break;
        text += new TextDecoder().decode(buf.subarray(0, n));
        if (text.includes("\r\n\r\n") && /\r\n\r\n[\s\S]*\}/.test(text)) break;
      }
    } catch { /* reset by peer */ }
  })();
  let answered = false;
  reading.then(() => answered = true);
  try {
    const h = new TextEncoder().encode(head);
    for (let at = 0; at < h.byteLength;) at += await conn.write(h.subarray(at));
    await body(async (b) => {
      // conn.write() may write less than asked: loop until the whole frame is out.
      for (let at = 0; at < b.byteLength;) {
        if (answered) throw new Error("answered");
        const n = await conn.write(b.subarray(at));
        at += n;
        sent += n;
      }
    });
  } catch { /* the server stopped reading: expected for rejected bodies */ }
  await reading;
  try {
    conn.close();
  } catch { /* closed */ }
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  return { status, text, sent };
}
