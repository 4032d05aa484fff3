/**
 * Serves Atelier: `deno run -A src/server/main.ts [--port N] [--kv-path P] [--models-dir D]
 * [--client-dir D] [--experiments-dir D] [--hostname H] [--trust-proxy] [--public-url U]
 * [--admin-token T] [--max-body-bytes N ...]`. $PORT (8000) and $KV_PATH (./data/atelier.kv) are
 * the defaults; $PUBLIC_URL and $ADMIN_TOKEN stand for their flags. On start, and then every
 * --sweep-interval-ms, it sweeps what crashed uploads left in KV; it prints one JSON line
 * `{"event":"listening","hostname":...,"port":...}` on stdout. SIGINT/SIGTERM stop accepting,
 * let requests in flight finish, stop the sweeper and close KV.
 */
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { createApp } from "./app.ts";
import { DEFAULT_LIMITS, flagName, type Limits, limitsFrom, resolveLimits } from "./limits.ts";
import { GalleryStore } from "./store/gallery_store.ts";
import { startSweeper } from "./sweeper.ts";

const limitFlags = Object.fromEntries(
  (Object.keys(DEFAULT_LIMITS) as (keyof Limits)[]).map((
    k,
  ) => [flagName(k), { type: "string" as const }]),
);

const { values } = parseArgs({
  args: Deno.args,
  options: {
    port: { type: "string" },
    hostname: { type: "string" },
    "kv-path": { type: "string" },
    "models-dir": { type: "string" },
    "client-dir": { type: "string" },
    "experiments-dir": { type: "string" },
    "trust-proxy": { type: "boolean" },
    "public-url": { type: "string" },
    "admin-token": { type: "string" },
    ...limitFlags,
  },
  strict: true,
});
const flags = values as Record<string, string | boolean | undefined>;
const str = (k: string) => typeof flags[k] === "string" ? flags[k] as string : undefined;

const port = Number(str("port") ?? Deno.env.get("PORT") ?? 8000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  throw new RangeError(`--port is "${str("port")}": expected 0 to 65535`);
}
const hostname = str("hostname") ?? Deno.env.get("HOSTNAME") ?? "0.0.0.0";
const kvPath = str("kv-path") ?? Deno.env.get("KV_PATH") ?? "./data/atelier.kv";
const modelsDir = str("models-dir") ?? Deno.env.get("MODELS_DIR") ?? "static/models";
const clientDir = str("client-dir") ?? Deno.env.get("CLIENT_DIR") ?? "dist/client";
const experimentsDir = str("experiments-dir") ?? Deno.env.get("EXPERIMENTS_DIR") ?? "experiments";
const limits = resolveLimits(
  limitsFrom(
    Object.fromEntries(Object.keys(limitFlags).map((k) => [k, str(k)])),
    (name) => Deno.env.get(name),
  ),
);

await Deno.mkdir(dirname(kvPath), { recursive: true });
const kv = await Deno.openKv(kvPath);
const gallery = new GalleryStore(kv);
const reportSwept = (n: number) => console.error(`gallery: swept ${n} abandoned upload(s)`);
const swept = await gallery.sweep(limits.sweepAgeMs);
if (swept) reportSwept(swept);
const sweeper = startSweeper(gallery, {
  intervalMs: Math.max(1000, limits.sweepIntervalMs),
  maxAgeMs: limits.sweepAgeMs,
  onSwept: reportSwept,
});

const app = createApp({
  kv,
  modelsDir,
  clientDir,
  experimentsDir,
  limits,
  trustProxy: flags["trust-proxy"] === true || Deno.env.get("TRUST_PROXY") === "1",
  publicUrl: str("public-url") ?? Deno.env.get("PUBLIC_URL"),
  adminToken: str("admin-token") ?? Deno.env.get("ADMIN_TOKEN"),
});
const server = Deno.serve({
  port,
  hostname,
  onListen: (addr) => {
    console.log(JSON.stringify({ event: "listening", hostname: addr.hostname, port: addr.port }));
  },
}, (req, info) => app.fetch(req, { remoteAddr: info.remoteAddr }));

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  console.error(`${signal}: shutting down`);
  await server.shutdown();
  await sweeper.stop();
  kv.close();
  Deno.exit(0);
}
for (const sig of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(sig, () => stop(sig));
await server.finished;
