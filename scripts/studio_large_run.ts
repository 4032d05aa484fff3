/**
 * `deno task studio:large`: a large studio run by hand (issue 14), in real headless Chromium
 * (WASM backend) against the real server, too slow for CI. It sets Darknet-tiny at --size px
 * (default 1024, long side) with --iterations (default 3) on chelsea x The Starry Night, clicks
 * Paint and records:
 * - the planner's tile choice as the studio uses it: the run record's `run.scales` (tiles and
 *   tile per tiled scale, the L-BFGS history when cut) from "Download recipe JSON", next to what
 *   the planner says here for the same recipe under the worker's WASM limits (misfit(), which
 *   decides whether the studio plans at all, and planRunTiles() under memoryBudgetFor());
 * - every distinct tile progress line the page showed (`scale s/S · tile i/n (pass p/2)`);
 * - the wall time from Paint to idle;
 * - the downloaded PNG's dimensions (full size is the check);
 * - the peak memory: the main thread's JS heap (performance.memory) and the summed RSS of this
 *   browser's renderer processes (the engine's worker and its WASM heap live there), sampled
 *   every 500 ms.
 * --tile N forces N px tiles (the page's ?tile=N) where the planner would not tile.
 * Appends the run (by --label) to bench/studio_large.json and rewrites bench/studio_large.md.
 *
 * Usage: deno task studio:large [--size 1024] [--iterations 3] [--tile N] [--label auto]
 *        [--timeout-min 30] [--out bench]
 */
import { parseArgs } from "node:util";
import { cliArgs } from "./lib/cli_args.ts";
import { join } from "node:path";
import sharp from "sharp";
import {
  ARTIFACTS,
  CONTENT,
  openStudio,
  ROOT,
  shot,
  tinySetup,
  withStudio,
} from "../tests/e2e/_harness.ts";
import { estimateRun, memoryBudgetFor, misfit } from "../src/client/limits.ts";
import { parseManifest } from "../src/shared/nets/loader.ts";
import { parseRecipe } from "../src/shared/recipe.ts";
import { planRunTiles } from "../src/shared/tiled_run.ts";
import { sizeAt } from "../src/shared/pyramid.ts";
import type { RecipeInput } from "../src/shared/types.ts";

const { values: a } = cliArgs(import.meta.url, (args) =>
  parseArgs({
    args,
    options: {
      size: { type: "string", default: "1024" },
      iterations: { type: "string", default: "3" },
      tile: { type: "string", default: "" },
      label: { type: "string", default: "" },
      "timeout-min": { type: "string", default: "30" },
      out: { type: "string", default: new URL("bench/", ROOT).pathname },
    },
  }));
const size = Number(a.size);
const iterations = Number(a.iterations);
const tile = a.tile ? Number(a.tile) : undefined;
const label = a.label || `${size}px-${tile ? `tile${tile}` : "auto"}`;
const GiB = 2 ** 30;
// device_limits.ts's WASM limits (what the worker checks against).
const WASM = { maxTensorBytes: GiB, maxTextureSize: Infinity, memoryBytes: 1.5 * GiB };

/** Summed RSS (bytes) of the Chromium processes started by this process, renderers apart. */
async function chromiumRss(): Promise<{ renderers: number; all: number }> {
  const parent = new Map<number, number>();
  const procs: number[] = [];
  for await (const e of Deno.readDir("/proc")) {
    const pid = Number(e.name);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
      // pid (comm) state ppid ...: comm may hold spaces, so split after its ")".
      parent.set(pid, Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
      procs.push(pid);
    } catch {
      // Gone meanwhile.
    }
  }
  const mine = (pid: number) => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === Deno.pid) return true;
    }
    return false;
  };
  let renderers = 0;
  let all = 0;
  for (const pid of procs) {
    if (!mine(pid)) continue;
    try {
      const cmd = await Deno.readTextFile(`/proc/${pid}/cmdline`);
      if (!cmd.includes("chrom")) continue;
      const status = await Deno.readTextFile(`/proc/${pid}/status`);
      const kb = Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0);
      all += kb * 1024;
      if (cmd.includes("--type=renderer")) renderers += kb * 1024;
    } catch {
      // Gone meanwhile.
    }
  }
  return { renderers, all };
}

const manifestPath = new URL("static/models/darknet-tiny/manifest.json", ROOT).pathname;
const manifest = parseManifest(JSON.parse(await Deno.readTextFile(manifestPath)), manifestPath);
const contentMeta = await sharp(CONTENT).metadata();

const record = await (async () => {
  let out: Record<string, unknown> = {};
  await withStudio({ webgpu: false }, async (server, b) => {
    const { page } = b;
    const query = `?backend=wasm${tile ? `&tile=${tile}` : ""}`;
    const backend = await openStudio(page, server.url, query);
    if (backend !== "wasm") throw new Error(`the studio started ${backend}, not wasm`);
    await tinySetup(page, { size, iterations });
    // Every distinct tile line the page shows, in order, with its time since Paint.
    await page.evaluate(() => {
      const g = globalThis as unknown as { tileLines: [number, string][]; t0: number };
      g.tileLines = [];
      g.t0 = performance.now();
      let last = "";
      new MutationObserver(() => {
        const t = document.querySelector("[data-testid=tile]")?.textContent ?? "";
        if (t && t !== last) g.tileLines.push([Math.round(performance.now() - g.t0), t]);
        last = t;
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    let peakRenderers = 0;
    let peakAll = 0;
    let peakHeap = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const rss = await chromiumRss();
        peakRenderers = Math.max(peakRenderers, rss.renderers);
        peakAll = Math.max(peakAll, rss.all);
        const heap = await page.evaluate(() =>
          (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory
            ?.usedJSHeapSize ?? 0
        ).catch(() => 0);
        peakHeap = Math.max(peakHeap, heap);
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    const t0 = performance.now();
    await page.getByRole("button", { name: "Paint", exact: true }).click();
    await page.locator("[data-testid=status][data-status=running]").waitFor({ timeout: 30_000 });
    // A screenshot of the first tile line, if any shows (not awaited: an untiled run has none).
    let shotTaken = false;
    page.getByTestId("tile").waitFor({ timeout: 0 }).then(async () => {
      shotTaken = true;
      await shot(page, `studio-large-${label}-tiles`);
    }).catch(() => undefined);
    await page.locator("[data-testid=status][data-status=idle]").waitFor({
      timeout: Number(a["timeout-min"]) * 60_000,
    });
    const wallS = (performance.now() - t0) / 1000;
    sampling = false;
    await sampler;
    await shot(page, `studio-large-${label}-done`);
    const statusText = (await page.getByTestId("status").textContent())?.trim() ?? "";
    const tileLines = await page.evaluate(() =>
      (globalThis as unknown as { tileLines: [number, string][] }).tileLines
    );
    const [png] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download PNG" }).click(),
    ]);
    const meta = await sharp(await Deno.readFile((await png.path())!)).metadata();
    const [json] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download recipe JSON" }).click(),
    ]);
    const recipeJson = JSON.parse(await Deno.readTextFile((await json.path())!));
    const recipe = parseRecipe(recipeJson as RecipeInput);
    const full = sizeAt(contentMeta.height!, contentMeta.width!, size);
    // What the planner says here for the same recipe: misfit() decides whether the studio
    // gives the run a memory budget at all; planRunTiles() plans each scale under it.
    const used = [...recipe.layers.content, ...recipe.layers.style].map((l) => l.layer);
    const why = misfit(estimateRun(manifest.layers, full, { used }), size, WASM);
    const budget = memoryBudgetFor(manifest, { limits: WASM, backend: "wasm", used });
    // A pyramid run records its scales (with tiles and tile when tiled); a one-scale run
    // records none, and then the tile lines say whether the studio tiled it.
    const recorded = recipe.run?.scales;
    const scales = recorded ?? [{ size, iterations }];
    const planner = scales.map((s) => {
      const dims = sizeAt(contentMeta.height!, contentMeta.width!, s.size);
      const p = planRunTiles({ manifest }, recipe, dims, budget)!;
      return {
        size: s.size,
        width: dims.width,
        height: dims.height,
        tiled: p.tiled,
        tile: p.tile,
        tiles: p.tiles,
        crop: p.crop,
        history: p.history,
        modelledPeakMB: Math.round(p.peakBytes / 2 ** 20),
      };
    });
    const tileCounts = [...new Set(tileLines.map(([, t]) => t.match(/tile \d+\/(\d+)/)?.[1]))];
    out = {
      label,
      date: new Date().toISOString(),
      net: "darknet-tiny",
      backend,
      size,
      iterations,
      forcedTile: tile ?? null,
      wallS: Math.round(wallS * 10) / 10,
      status: statusText,
      png: { width: meta.width, height: meta.height, expected: [full.width, full.height] },
      fullSize: meta.width === full.width && meta.height === full.height,
      studioScales: recorded ?? null,
      misfitAtFullSize: why ?? null,
      studioPlans: why !== undefined || tile !== undefined,
      planner,
      tileLines: tileLines.length,
      tileCounts,
      firstTileLines: tileLines.slice(0, 5),
      lastTileLines: tileLines.slice(-3),
      peakRendererRssMB: Math.round(peakRenderers / 2 ** 20),
      peakChromiumRssMB: Math.round(peakAll / 2 ** 20),
      peakMainJsHeapMB: Math.round(peakHeap / 2 ** 20),
      screenshots: [
        ...(shotTaken ? [`studio-large-${label}-tiles.png`] : []),
        `studio-large-${label}-done.png`,
      ].map((f) => new URL(f, ARTIFACTS).pathname.replace(new URL(ROOT).pathname, "")),
    };
  });
  return out;
})();
console.log(JSON.stringify(record, null, 2));

const jsonPath = join(a.out!, "studio_large.json");
let runs: Record<string, unknown>[] = [];
try {
  runs = JSON.parse(await Deno.readTextFile(jsonPath));
} catch (e) {
  if (!(e instanceof Deno.errors.NotFound)) throw e;
}
runs = [...runs.filter((r) => r.label !== label), record];
await Deno.mkdir(a.out!, { recursive: true });
await Deno.writeTextFile(jsonPath, JSON.stringify(runs, null, 2) + "\n");
// deno-lint-ignore no-explicit-any
const scaleText = (s: any[]) =>
  s.map((x) =>
    `${x.size} px: ${
      x.tiles && x.tiled !== false ? `${x.tiles} tiles of ${x.tile} px` : "untiled"
    }${x.history ? `, m = ${x.history}` : ""}`
  ).join("; ");
const md = [
  "# Studio large runs (issue 14): headless Chromium, WASM, Darknet-tiny",
  "",
  "`deno task studio:large` (scripts/studio_large_run.ts): the real studio and server, chelsea x",
  "The Starry Night, one run per row on the shared, loaded 2-core machine (timings swing).",
  "'Studio used' is the run record's `run.scales` (Download recipe JSON) for pyramid runs, else",
  "what the tile lines show (a one-scale run records no scales); 'planner' is",
  "planRunTiles() under memoryBudgetFor() with the worker's WASM limits (1.5 GiB) for the same",
  "recipe, which the studio consults only when misfit() says one pass does not fit (or ?tile=N",
  "forces tiles). Peak RSS: this browser's renderer processes (page + engine worker + WASM heap).",
  "",
  "| run | size | iters | forced tile | misfit at full size | studio used | planner | tile lines (counts) | wall (s) | PNG | peak renderer RSS (MB) | peak main JS heap (MB) |",
  "| --- | ---: | ---: | ---: | --- | --- | --- | --- | ---: | --- | ---: | ---: |",
  // deno-lint-ignore no-explicit-any
  ...runs.map((r: any) =>
    `| ${r.label} | ${r.size} | ${r.iterations} | ${r.forcedTile ?? "-"} | ${
      r.misfitAtFullSize ?? "fits one pass"
    } | ${
      r.studioScales
        ? scaleText(r.studioScales)
        : r.tileCounts.length
        ? `${r.tileCounts.join(", ")} tiles (tile lines)`
        : "untiled (no tile line)"
    } | ${scaleText(r.planner)} | ${r.tileLines} (${
      r.tileCounts.join(", ") || "-"
    }) | ${r.wallS} | ${r.png.width}x${r.png.height}${
      r.fullSize ? " (full size)" : " (NOT full)"
    } | ${r.peakRendererRssMB} | ${r.peakMainJsHeapMB} |`
  ),
  "",
].join("\n");
await Deno.writeTextFile(join(a.out!, "studio_large.md"), md);
console.log(md);
if (!record.fullSize) Deno.exit(1);
