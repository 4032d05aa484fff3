/**
 * Load benchmark of the edge server. Starts src/server/main.ts on loopback over a temporary KV
 * seeded with 100 gallery entries and a temporary models dir holding one 4 MiB shard, then drives
 * each scenario from a separate process (so the load generator does not share the server's event
 * loop) for a bounded time after 1 s of warm-up: with Debian's `wrk` (one thread, keep-alive
 * connections, its latency distribution) when it is installed (`apt-get install wrk`), else with
 * keep-alive fetch loops in a second Deno process. The shard figure is set beside the speed of
 * reading the same file from disk (page cache) in this process. Writes bench/server.json and
 * bench/server.md.
 *
 * Usage: deno task bench:server [--seconds 5] [--connections 8] [--tool wrk|fetch]
 */
import sharp from "sharp";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cliArgs } from "./lib/cli_args.ts";
import { sha256Hex } from "../src/server/hash.ts";

/** Rounds to `d` decimals for the report. */
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

interface LoadResult {
  name: string;
  path: string;
  seconds: number;
  connections: number;
  requests: number;
  errors: number;
  rps: number;
  p50ms: number;
  p99ms: number;
  mbPerSec: number;
}

const { values } = cliArgs(import.meta.url, (args) =>
  parseArgs({
    args,
    options: {
      load: { type: "string" },
      seconds: { type: "string", default: "5" },
      connections: { type: "string", default: "8" },
      name: { type: "string", default: "" },
      tool: { type: "string" },
    },
  }));
const seconds = Number(values.seconds);
const connections = Number(values.connections);

if (values.load) {
  console.log(JSON.stringify(await drive(values.name!, values.load, seconds, connections)));
  Deno.exit(0);
}

/** Whether `wrk` is on the PATH. */
async function hasWrk(): Promise<boolean> {
  try {
    await new Deno.Command("wrk", { args: ["--version"], stdout: "null", stderr: "null" })
      .output();
    return true;
  } catch {
    return false;
  }
}

/** wrk's duration ("1.23ms", "456.00us", "1.02s") in milliseconds. */
function wrkMs(v: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(v);
  if (!m) throw new Error(`wrk: unreadable latency "${v}"`);
  return Number(m[1]) * { us: 1e-3, ms: 1, s: 1e3, m: 6e4 }[m[2] as "us" | "ms" | "s" | "m"];
}

/** wrk's size ("12.34MB", "980.00KB") in bytes. */
function wrkBytes(v: string): number {
  const m = /^([\d.]+)([KMG]?B)$/.exec(v);
  if (!m) throw new Error(`wrk: unreadable size "${v}"`);
  return Number(m[1]) * { B: 1, KB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30 }[m[2] as "B"];
}

/** One scenario under wrk: 1 thread, `conns` keep-alive connections, after 1 s of warm-up. */
async function driveWrk(
  name: string,
  url: string,
  secs: number,
  conns: number,
): Promise<LoadResult> {
  const run = (d: number) =>
    new Deno.Command("wrk", {
      args: ["-t1", `-c${conns}`, `-d${d}s`, "--latency", url],
      stdout: "piped",
      stderr: "inherit",
    }).output();
  await run(1);
  const out = new TextDecoder().decode((await run(secs)).stdout);
  const grab = (re: RegExp) => {
    const m = re.exec(out);
    if (!m) throw new Error(`wrk output lacks ${re}:\n${out}`);
    return m[1];
  };
  const requests = Number(grab(/(\d+) requests in/));
  const elapsed = wrkMs(grab(/requests in ([\d.]+\w+),/)) / 1000;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  return {
    name,
    path: new URL(url).pathname,
    seconds: round(elapsed),
    connections: conns,
    requests,
    errors,
    rps: round(Number(grab(/Requests\/sec:\s+([\d.]+)/)), 0),
    p50ms: round(wrkMs(grab(/\s50%\s+([\d.]+\w+)/))),
    p99ms: round(wrkMs(grab(/\s99%\s+([\d.]+\w+)/))),
    mbPerSec: round(wrkBytes(grab(/Transfer\/sec:\s+([\d.]+\w+)/)) / 1e6),
  };
}

/** `connections` loops, each fetching `url` back to back until the deadline. */
async function drive(name: string, url: string, secs: number, conns: number): Promise<LoadResult> {
  // One second of warm-up (JIT, connection pool) that is not measured.
  const warm = performance.now() + 1000;
  await Promise.all(Array.from({ length: conns }, async () => {
    while (performance.now() < warm) await (await fetch(url)).arrayBuffer();
  }));
  const latencies: number[] = [];
  let bytes = 0;
  let errors = 0;
  const start = performance.now();
  const deadline = start + secs * 1000;
  await Promise.all(Array.from({ length: conns }, async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        const res = await fetch(url);
        const body = await res.arrayBuffer();
        if (res.status !== 200) errors++;
        bytes += body.byteLength;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t0);
    }
  }));
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return {
    name,
    path: new URL(url).pathname,
    seconds: round(elapsed),
    connections: conns,
    requests: latencies.length,
    errors,
    rps: round(latencies.length / elapsed, 0),
    p50ms: round(pct(0.5)),
    p99ms: round(pct(0.99)),
    mbPerSec: round(bytes / elapsed / 1e6),
  };
}

/** drive() in a second Deno process, so the load does not share the server's event loop. */
async function driveFetchProcess(
  name: string,
  url: string,
  secs: number,
  conns: number,
): Promise<LoadResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "scripts/bench_server.ts",
      "--load",
      url,
      "--name",
      name,
      "--seconds",
      String(secs),
      "--connections",
      String(conns),
    ],
    stderr: "inherit",
  }).output();
  return JSON.parse(new TextDecoder().decode(out.stdout)) as LoadResult;
}

const tool = values.tool ?? ((await hasWrk()) ? "wrk" : "fetch");
if (tool !== "wrk" && tool !== "fetch") throw new Error(`--tool ${tool}: expected wrk or fetch`);
if (tool === "fetch") {
  console.error("bench:server: wrk not found (apt-get install wrk); using fetch loops instead");
}
const tmp = await Deno.makeTempDir({ prefix: "atelier-bench-" });
const modelsDir = join(tmp, "models");
await Deno.mkdir(join(modelsDir, "bench-net"), { recursive: true });
const shard = crypto.getRandomValues(new Uint8Array(65536));
const big = new Uint8Array(4 * 1024 * 1024);
for (let i = 0; i < big.byteLength; i += shard.byteLength) big.set(shard, i);
const sha = await sha256Hex(big);
const shardName = `body-0-${sha.slice(0, 16)}.bin`;
await Deno.writeFile(join(modelsDir, "bench-net", shardName), big);
// A manifest the engine's parseManifest accepts (the server lists nothing else): one 1x1 conv,
// 3 -> 524288 channels with bias, 4 * 524288 float16 elements = 4 MiB = the one body shard.
const channels = big.byteLength / 2 / 4;
await Deno.writeTextFile(
  join(modelsDir, "bench-net", "manifest.json"),
  JSON.stringify({
    format: "atelier-net/1",
    id: "bench-net",
    name: "Bench net",
    architecture: "resnet50",
    variant: "bench",
    licence: "none",
    source: { url: "generated" },
    preprocess: { kind: "unit", order: "rgb", scale: 1, mean: [0, 0, 0], std: [1, 1, 1] },
    dtype: "float16",
    totalBytes: big.byteLength,
    headBytes: 0,
    layers: [{ name: "conv1", node: "conv1", channels, stride: 1, kind: "feature" }],
    graph: [{
      op: "conv2d",
      name: "conv1",
      input: "input",
      kernel: "conv1/kernel",
      bias: "conv1/bias",
      strides: [1, 1],
      padding: "same",
    }],
    weights: [
      { name: "conv1/kernel", shape: [1, 1, 3, channels], group: "body" },
      { name: "conv1/bias", shape: [channels], group: "body" },
    ],
    shards: [{ path: shardName, bytes: big.byteLength, sha256: sha, group: "body" }],
  }),
);

const server = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "-A",
    "src/server/main.ts",
    "--port",
    "0",
    "--hostname",
    "127.0.0.1",
    "--kv-path",
    join(tmp, "bench.kv"),
    "--models-dir",
    modelsDir,
    "--writes-per-minute",
    "100000",
  ],
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const lines = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
const first = (await lines.read()).value ?? "";
const port = JSON.parse(first.split("\n")[0]).port as number;
const draining = (async () => {
  while (!(await lines.read()).done) { /* drain */ }
})();
const base = `http://127.0.0.1:${port}`;

try {
  const recipe = {
    version: 1,
    net: { id: "bench-net", pooling: "max" },
    size: 512,
    content: { name: "c.png" },
    styles: [{ name: "s.jpg" }],
    layers: { content: [{ layer: "res3d", weight: 1 }], style: [{ layer: "res2c", weight: 1 }] },
    weights: { content: 1, style: 1e4, tv: 0 },
    init: "content",
    iterations: 300,
    optimizer: { kind: "lbfgs" },
    seed: 1,
  };
  let lastId = "";
  for (let i = 0; i < 100; i++) {
    const png = await sharp({
      create: { width: 256, height: 192, channels: 3, background: { r: i * 2, g: 90, b: 160 } },
    }).png().toBuffer();
    const form = new FormData();
    form.append("image", new Blob([new Uint8Array(png)], { type: "image/png" }), "r.png");
    form.append("recipe", JSON.stringify(recipe));
    form.append("title", `Bench entry ${i}`);
    const res = await fetch(`${base}/api/gallery`, { method: "POST", body: form });
    if (res.status !== 201) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
    lastId = (await res.json()).id;
  }

  const scenarios: [string, string, number][] = [
    ["gallery list (24 items)", `${base}/api/gallery?limit=24`, connections],
    ["permalink page", `${base}/g/${lastId}`, connections],
    ["4 MiB shard download", `${base}/models/bench-net/${shardName}`, 4],
  ];
  const results: LoadResult[] = [];
  for (const [name, url, conns] of scenarios) {
    const r = tool === "wrk"
      ? await driveWrk(name, url, seconds, conns)
      : await driveFetchProcess(name, url, seconds, conns);
    results.push(r);
    console.error(
      `${name}: ${r.rps} req/s, p50 ${r.p50ms} ms, p99 ${r.p99ms} ms, ${r.mbPerSec} MB/s`,
    );
  }

  // The disk baseline: read the same shard file back to back for `seconds`.
  const shardPath = join(modelsDir, "bench-net", shardName);
  let read = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) read += (await Deno.readFile(shardPath)).length;
  const diskMBps = Math.round(read / ((performance.now() - t0) / 1000) / 1e4) / 100;
  const meta = {
    date: new Date().toISOString(),
    deno: Deno.version.deno,
    cpus: navigator.hardwareConcurrency,
    tool: tool === "wrk" ? "wrk -t1 (Debian)" : "fetch loops (Deno)",
    diskReadMBps: diskMBps,
    note: "server and load generator share this machine's cores",
  };
  await Deno.mkdir("bench", { recursive: true });
  await Deno.writeTextFile("bench/server.json", JSON.stringify({ meta, results }, null, 2) + "\n");
  const md = [
    `# Server benchmark`,
    ``,
    `${meta.date}, Deno ${meta.deno}, ${meta.cpus} CPUs (${meta.note}); ${seconds} s per scenario,`,
    `load from ${meta.tool} in a separate process after 1 s of warm-up, keep-alive; KV seeded with`,
    `100 entries. Reading the same 4 MiB shard file from disk (page cache) in one Deno process:`,
    `${diskMBps} MB/s.`,
    ``,
    `| scenario | conns | requests | errors | req/s | p50 ms | p99 ms | MB/s |`,
    `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`,
    ...results.map((r) =>
      `| ${r.name} | ${r.connections} | ${r.requests} | ${r.errors} | ${r.rps} | ${r.p50ms} | ${r.p99ms} | ${r.mbPerSec} |`
    ),
    ``,
  ].join("\n");
  await Deno.writeTextFile("bench/server.md", md);
  console.log(md);
} finally {
  server.kill("SIGTERM");
  await server.status;
  await draining;
  await Deno.remove(tmp, { recursive: true });
}
