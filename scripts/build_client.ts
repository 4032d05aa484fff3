/**
 * Builds the studio client into dist/client/: esbuild bundles src/client/main.tsx (the page)
 * and src/client/worker.ts (the engine) with content-hashed names, copies the tfjs WASM
 * binaries under hashed names, writes the WASM backend's pthread scripts as same-origin files
 * (wasmThreadScripts()), adds the example images (scripts/build_examples.ts), writes index.html (no inline script: the server's CSP forbids
 * it) and build.json with bundle sizes. Skips all work when no input changed since the last
 * build, so `deno task start` can call it on every start.
 *
 *   deno run -A scripts/build_client.ts [--force]
 */
import * as esbuild from "esbuild";
import { createRequire } from "node:module";
import { buildExamples } from "./build_examples.ts";
import { heroCacheNames, heroFromCache } from "./build_hero.ts";

const ROOT = new URL("../", import.meta.url);
const OUT = new URL("dist/client/", ROOT);
const WASM_DIR = new URL("node_modules/@tensorflow/tfjs-backend-wasm/dist/", ROOT);
const WASM_FILES = [
  "tfjs-backend-wasm.wasm",
  "tfjs-backend-wasm-simd.wasm",
  "tfjs-backend-wasm-threaded-simd.wasm",
];
const WASM_OUT = new URL("node_modules/@tensorflow/tfjs-backend-wasm/wasm-out/", ROOT);
/** The pthread worker's import of the module factory, which tfjs hands it as a Blob. */
const PTHREAD_IMPORT =
  'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}else{var objectUrl=' +
  "URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)}";
/** Everything the bundles depend on; a change to any of them rebuilds. */
const INPUT_DIRS = ["src/client/", "src/shared/"];
const INPUT_FILES = [
  "deno.json",
  "deno.lock",
  "scripts/build_client.ts",
  "scripts/build_examples.ts",
  "scripts/build_hero.ts",
];

/** What build.json records. */
export interface BuildInfo {
  inputsHash: string;
  builtAt: string;
  /** Output file name -> bytes and gzip bytes. */
  files: Record<string, { bytes: number; gzip: number }>;
  app: string;
  worker: string;
  css: string;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function* walk(dir: URL): AsyncGenerator<URL> {
  const entries = [];
  for await (const e of Deno.readDir(dir)) entries.push(e);
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    if (e.isDirectory) yield* walk(new URL(`${e.name}/`, dir));
    else if (e.isFile) yield new URL(e.name, dir);
  }
}

async function inputsHash(): Promise<string> {
  const parts: string[] = [];
  for (const dir of INPUT_DIRS) {
    for await (const f of walk(new URL(dir, ROOT))) {
      parts.push(`${f.pathname}:${await sha256(await Deno.readFile(f))}`);
    }
  }
  for (const f of INPUT_FILES) {
    parts.push(`${f}:${await sha256(await Deno.readFile(new URL(f, ROOT)))}`);
  }
  // The hero pictures are named by their content's hash: a newly painted one rebuilds.
  parts.push(`hero:${(await heroCacheNames()).join(",")}`);
  return sha256(new TextEncoder().encode(parts.join("\n")));
}

async function gzipSize(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

async function readBuildInfo(): Promise<BuildInfo | undefined> {
  try {
    const info = JSON.parse(await Deno.readTextFile(new URL("build.json", OUT))) as BuildInfo;
    for (const name of Object.keys(info.files)) await Deno.stat(new URL(name, OUT));
    return info;
  } catch {
    return undefined;
  }
}

function hashedName(name: string, hash: string): string {
  const dot = name.lastIndexOf(".");
  return `${name.slice(0, dot)}-${hash.slice(0, 16)}${name.slice(dot)}`;
}

/** Same-origin URLs of the threaded WASM backend's pthread scripts. */
export interface WasmThreadScripts {
  /** The pthread worker script (tfjs would build it as a blob: URL). */
  worker: string;
  /** The Emscripten module factory the worker imports. */
  factory: string;
}

/**
 * Writes the threaded SIMD backend's two pthread scripts into `out` under hashed names. tfjs
 * 4.22 starts each pthread as `new Worker(blob:)` and has it `importScripts` the module factory
 * from another blob:, which the server's CSP (script-src 'self') refuses. Served from our origin
 * instead, they load under that CSP: the worker is the package's own worker script with its
 * factory import pointed at the factory file (the package's wasm-out script, which defines
 * the same `WasmBackendModuleThreadedSimd` global tfjs's blob does). The engine worker hands
 * the worker URL to tfjs (src/client/wasm_threads.ts).
 */
export async function wasmThreadScripts(out: URL): Promise<WasmThreadScripts> {
  const factoryBytes = await Deno.readFile(
    new URL("tfjs-backend-wasm-threaded-simd.js", WASM_OUT),
  );
  const factory = hashedName("tfjs-backend-wasm-threaded-simd.js", await sha256(factoryBytes));
  await Deno.writeFile(new URL(factory, out), factoryBytes);
  // The worker file is CommonJS exporting the script as a string (`wasmWorkerContents`).
  const require = createRequire(new URL(WASM_OUT).pathname);
  const { wasmWorkerContents } = require("./tfjs-backend-wasm-threaded-simd.worker.js") as {
    wasmWorkerContents: string;
  };
  if (!wasmWorkerContents.includes(PTHREAD_IMPORT)) {
    throw new Error(
      "tfjs-backend-wasm's pthread worker no longer imports its factory as expected: " +
        "update PTHREAD_IMPORT in scripts/build_client.ts for this tfjs version",
    );
  }
  // As tfjs does before making its Blob: the template literal turned the "\n" escapes inside
  // the script's string literals into newlines, which would end those literals.
  const text = wasmWorkerContents.replace(/\n/g, "\\n").replace(
    PTHREAD_IMPORT,
    `importScripts(${JSON.stringify(`/${factory}`)});`,
  );
  const bytes = new TextEncoder().encode(text);
  const worker = hashedName("tfjs-backend-wasm-threaded-simd.worker.js", await sha256(bytes));
  await Deno.writeFile(new URL(worker, out), bytes);
  return { worker: `/${worker}`, factory: `/${factory}` };
}

const COMMON: esbuild.BuildOptions = {
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  outdir: new URL(OUT).pathname,
  entryNames: "[name]-[hash]",
  metafile: true,
  write: true,
  logLevel: "warning",
  legalComments: "none",
  absWorkingDir: new URL(ROOT).pathname,
};

function outputOf(meta: esbuild.Metafile): string {
  const js = Object.keys(meta.outputs).find((p) => p.endsWith(".js"));
  if (!js) throw new Error("esbuild produced no JavaScript output");
  return js.slice(js.lastIndexOf("/") + 1);
}

/** Builds dist/client unless it is up to date; returns its build info. */
export async function buildClient(opts: { force?: boolean } = {}): Promise<BuildInfo> {
  const hash = await inputsHash();
  const existing = await readBuildInfo();
  if (!opts.force && existing?.inputsHash === hash) return existing;

  await Deno.remove(OUT, { recursive: true }).catch(() => undefined);
  await Deno.mkdir(OUT, { recursive: true });

  const wasm: Record<string, string> = {};
  for (const name of WASM_FILES) {
    const bytes = await Deno.readFile(new URL(name, WASM_DIR));
    const out = hashedName(name, await sha256(bytes));
    await Deno.writeFile(new URL(out, OUT), bytes);
    wasm[name] = `/${out}`;
  }
  const threads = await wasmThreadScripts(OUT);
  try {
    const workerDefine = {
      __WASM_FILES__: JSON.stringify(wasm),
      __WASM_PTHREAD_WORKER__: JSON.stringify(threads.worker),
    };
    const worker = await esbuild.build({
      ...COMMON,
      entryPoints: { worker: "src/client/worker.ts" },
      define: workerDefine,
    });
    const workerName = outputOf(worker.metafile!);
    const benchWorker = await esbuild.build({
      ...COMMON,
      entryPoints: { bench_worker: "src/client/bench_worker.ts" },
      define: workerDefine,
    });
    const benchWorkerName = outputOf(benchWorker.metafile!);
    const app = await esbuild.build({
      ...COMMON,
      entryPoints: { app: "src/client/main.tsx" },
      jsx: "automatic",
      jsxImportSource: "preact",
      define: {
        __WORKER_URL__: JSON.stringify(`/${workerName}`),
        __BENCH_WORKER_URL__: JSON.stringify(`/${benchWorkerName}`),
      },
    });
    const appName = outputOf(app.metafile!);
    const css = await Deno.readFile(new URL("src/client/style.css", ROOT));
    const cssName = hashedName("style.css", await sha256(css));
    await Deno.writeFile(new URL(cssName, OUT), css);
    await Deno.writeTextFile(
      new URL("index.html", OUT),
      `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Atelier: neural style transfer studio</title>
<link rel="stylesheet" href="/${cssName}">
<script type="module" src="/${appName}"></script>
</head>
<body>
<div id="app"><noscript>Atelier needs JavaScript.</noscript></div>
</body>
</html>
`,
    );
    // The example photos and paintings (from ../shared when present) and the hero pictures
    // already painted by `deno task hero` (never painted here) live beside the bundles.
    await buildExamples(OUT, { hero: await heroFromCache(OUT) });
    const files: BuildInfo["files"] = {};
    for await (const f of walk(OUT)) {
      const name = f.pathname.slice(new URL(OUT).pathname.length);
      if (name === "build.json") continue;
      const bytes = await Deno.readFile(f);
      files[name] = { bytes: bytes.length, gzip: await gzipSize(bytes) };
    }
    const info: BuildInfo = {
      inputsHash: hash,
      builtAt: new Date().toISOString(),
      files,
      app: appName,
      worker: workerName,
      css: cssName,
    };
    await Deno.writeTextFile(new URL("build.json", OUT), JSON.stringify(info, null, 2) + "\n");
    return info;
  } finally {
    await esbuild.stop();
  }
}

if (import.meta.main) {
  const started = performance.now();
  const info = await buildClient({ force: Deno.args.includes("--force") });
  const kb = (n: number) => `${(n / 1024).toFixed(1)} kB`;
  for (const name of [info.app, info.worker, info.css]) {
    const f = info.files[name];
    console.log(`${name.padEnd(36)} ${kb(f.bytes).padStart(10)}  gzip ${kb(f.gzip).padStart(9)}`);
  }
  console.log(`dist/client ready in ${Math.round(performance.now() - started)} ms`);
}
