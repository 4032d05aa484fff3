/**
 * Issue 14's studio target, in real headless Chromium against the real server on WASM, with
 * the memory planner's own choice (no ?tile=N): a 1024 px Darknet-tiny run, which fits one pass
 * on WASM (1.5 GiB), runs untiled (no tile line shows); a 2048 px one runs in the planner's 20
 * tiles of 432 px (the tile lines count 20). Both download the full-size PNG. (The by-hand
 * `deno task studio:large` records the same runs with memory and timing; bench/studio_large.md.)
 */
import assert from "node:assert/strict";
import sharp from "sharp";
import { download, openStudio, shot, tinySetup, withStudio } from "./_harness.ts";
import { estimateRun, memoryBudgetFor, misfit } from "../../src/client/limits.ts";
import { parseManifest } from "../../src/shared/nets/loader.ts";
import { parseRecipe } from "../../src/shared/recipe.ts";
import { planRunTiles } from "../../src/shared/tiled_run.ts";
import type { RecipeInput } from "../../src/shared/types.ts";
import type { Page } from "playwright-core";

// playwright keeps sockets and timers of its own between calls.
const opts = { sanitizeOps: false, sanitizeResources: false };
const GiB = 2 ** 30;
// device_limits.ts's WASM limits.
const WASM = { maxTensorBytes: GiB, maxTextureSize: Infinity, memoryBytes: 1.5 * GiB };

Deno.test(
  "studio paints 1024 px with Darknet-tiny on WASM in the planner's choice (one pass) and downloads the full-size PNG",
  opts,
  async () => {
    await withStudio({ webgpu: false }, async (server, b) => {
      const { page } = b;
      assert.equal(await openStudio(page, server.url, "?backend=wasm"), "wasm");
      // chelsea.png is 451x300: at 1024 px 1024 x round(300·1024/451 = 681.2) = 1024x681.
      await tinySetup(page, { size: 1024, iterations: 2 });
      // Any tile line the page shows during the run (a tiled run shows one per ~100 ms).
      await watchTiles(page);
      await paint(page);
      await shot(page, "41-large-1024-done");
      assert.match((await page.getByTestId("status").textContent())!, /Iteration 2 of 2/);
      assert.deepEqual(await tileLines(page), []);
      const meta = await sharp(await download(page, "Download PNG")).metadata();
      assert.deepEqual([meta.width, meta.height], [1024, 681]);
      const recipe = parseRecipe(
        JSON.parse(
          new TextDecoder().decode(await download(page, "Download recipe JSON")),
        ) as RecipeInput,
      );
      // One scale at 1024 px (no coarse to fine: the run record then keeps no `scales`, so the
      // tile lines above are the studio's own account of tiling).
      assert.deepEqual([recipe.size, recipe.pyramid, recipe.run?.scales], [
        1024,
        undefined,
        undefined,
      ]);

      // The planner's choice for this recipe, as the worker makes it. misfit(): the activation
      // model says one pass fits WASM, so the studio gives the run no memory budget. Had it
      // planned, planRunTiles() would also run it untiled: with L-BFGS m = 10 (4 + 2·10 = 24
      // vectors of 12 B/px) a pass costs 3.4e6 + (1536 + 288)·1024·681 = 3,400,000 +
      // 1824·697,344 = 1,275,355,456 B <= 1.5 GiB (1,610,612,736).
      const path = new URL("../../static/models/darknet-tiny/manifest.json", import.meta.url);
      const manifest = parseManifest(JSON.parse(await Deno.readTextFile(path)), path.pathname);
      const used = [...recipe.layers.content, ...recipe.layers.style].map((l) => l.layer);
      const size = { width: 1024, height: 681 };
      assert.equal(misfit(estimateRun(manifest.layers, size, { used }), 1024, WASM), undefined);
      assert.equal(recipe.optimizer.kind === "lbfgs" && recipe.optimizer.history, 10);
      const plan = planRunTiles(
        { manifest },
        recipe,
        size,
        memoryBudgetFor(manifest, { limits: WASM, backend: "wasm", used }),
      )!;
      assert.deepEqual([plan.tiled, plan.tiles, plan.peakBytes, plan.history], [
        false,
        1,
        1_275_355_456,
        undefined,
      ]);
    });
  },
);

/** Clicks Paint and waits, with a large run's patience, until the run is done. */
async function paint(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Paint", exact: true }).click();
  await page.locator("[data-testid=status][data-status=running]").waitFor({ timeout: 30_000 });
  await page.locator("[data-testid=status][data-status=idle]").waitFor({ timeout: 600_000 });
}

/** The tile lines watchTiles() has recorded. */
function tileLines(page: Page): Promise<string[]> {
  return page.evaluate(() => (globalThis as unknown as { tileLines: string[] }).tileLines);
}

/** Records every distinct tile line the page shows from now on (globalThis.tileLines). */
function watchTiles(page: Page): Promise<void> {
  return page.evaluate(() => {
    const g = globalThis as unknown as { tileLines: string[] };
    g.tileLines = [];
    new MutationObserver(() => {
      const t = document.querySelector("[data-testid=tile]")?.textContent ?? "";
      if (t && t !== g.tileLines.at(-1)) g.tileLines.push(t);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

Deno.test(
  "studio paints 2048 px with Darknet-tiny on WASM in the planner's 20 tiles of 432 px and downloads the full-size PNG",
  opts,
  async () => {
    await withStudio({ webgpu: false }, async (server, b) => {
      const { page } = b;
      assert.equal(await openStudio(page, server.url, "?backend=wasm"), "wasm");
      // chelsea.png 451x300 at 2048 px: 2048 x round(300·2048/451 = 1362.3) = 2048x1362.
      await tinySetup(page, { size: 2048, iterations: 1 });
      await watchTiles(page);
      await paint(page);
      await shot(page, "42-large-2048-done");
      const lines = await tileLines(page);
      // Both passes of every evaluation go over the same 20 tiles; the last tile of each pass
      // is always posted (worker.ts), so the final line is pass 2's tile 20.
      assert.ok(lines.length >= 2, `tile lines: ${lines.length}`);
      for (const l of lines) {
        assert.match(l, /^scale 1\/1 · tile ([1-9]|1\d|20)\/20 \(pass [12]\/2\)$/);
      }
      assert.equal(lines.at(-1), "scale 1/1 · tile 20/20 (pass 2/2)");
      const meta = await sharp(await download(page, "Download PNG")).metadata();
      assert.deepEqual([meta.width, meta.height], [2048, 1362]);
      const recipe = parseRecipe(
        JSON.parse(
          new TextDecoder().decode(await download(page, "Download recipe JSON")),
        ) as RecipeInput,
      );

      // The planner's choice as the worker makes it. misfit() refuses one pass (its activation
      // model wants more than 1.5 GiB), so the run gets memoryBudgetFor()'s budget, and
      // planRunTiles() with L-BFGS m = 10: whole-image bytes (96 + conv8's 16 + 12·24) = 400 B/px
      // · 2048·1362 (2,789,376 px) = 1,115,750,400; left 1,610,612,736 - 3.4e6 - that =
      // 491,462,336; / 1536 = 319,962.5 -> crop <= 565 (566² = 320,356) -> core <= 565 - 59 -
      // 15 - 59 = 432 -> 432 (16·27) >= the 118 px halo, m kept; crop 565; ceil(1362/432) ·
      // ceil(2048/432) = 4·5 = 20 tiles; peak 3.4e6 + 1536·565² + 1,115,750,400 = 3,400,000 +
      // 490,329,600 + 1,115,750,400 = 1,609,480,000.
      const path = new URL("../../static/models/darknet-tiny/manifest.json", import.meta.url);
      const manifest = parseManifest(JSON.parse(await Deno.readTextFile(path)), path.pathname);
      const used = [...recipe.layers.content, ...recipe.layers.style].map((l) => l.layer);
      const size = { width: 2048, height: 1362 };
      assert.match(
        misfit(estimateRun(manifest.layers, size, { used }), 2048, WASM) ?? "",
        /more than the 1536 MB this backend can use/,
      );
      const plan = planRunTiles(
        { manifest },
        recipe,
        size,
        memoryBudgetFor(manifest, { limits: WASM, backend: "wasm", used }),
      )!;
      assert.deepEqual(
        [plan.tiled, plan.tile, plan.crop, plan.tiles, plan.peakBytes, plan.history],
        [
          true,
          432,
          565,
          20,
          1_609_480_000,
          undefined,
        ],
      );
    });
  },
);
