/**
 * Issue 14's studio target, in real headless Chromium against the real server on WASM: a
 * 1024 px Darknet-tiny run completes and downloads the full-size PNG, with the memory planner's
 * choice for that size checked on both sides. On WASM (1.5 GiB) one pass fits, so the studio
 * runs it untiled: no tile line shows and the run record has no tiles. (The by-hand
 * `deno task studio:large` records the same run with its memory and timing, and a forced-tile
 * one; bench/studio_large.md.)
 */
import assert from "node:assert/strict";
import sharp from "sharp";
import { openStudio, shot, tinySetup, withStudio } from "./_harness.ts";
import { estimateRun, memoryBudgetFor, misfit } from "../../src/client/limits.ts";
import { parseManifest } from "../../src/shared/nets/loader.ts";
import { parseRecipe } from "../../src/shared/recipe.ts";
import { planRunTiles } from "../../src/shared/tiled_run.ts";
import type { RecipeInput } from "../../src/shared/types.ts";

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
      await page.evaluate(() => {
        const g = globalThis as unknown as { tileSeen: number };
        g.tileSeen = 0;
        new MutationObserver(() => {
          if (document.querySelector("[data-testid=tile]")) g.tileSeen++;
        }).observe(document.body, { subtree: true, childList: true, characterData: true });
      });
      await page.getByRole("button", { name: "Paint", exact: true }).click();
      await page.locator("[data-testid=status][data-status=running]").waitFor({ timeout: 30_000 });
      await page.locator("[data-testid=status][data-status=idle]").waitFor({ timeout: 600_000 });
      await shot(page, "41-large-1024-done");
      assert.match((await page.getByTestId("status").textContent())!, /Iteration 2 of 2/);
      assert.equal(
        await page.evaluate(() => (globalThis as unknown as { tileSeen: number }).tileSeen),
        0,
      );
      const [png] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: "Download PNG" }).click(),
      ]);
      const meta = await sharp(await Deno.readFile((await png.path())!)).metadata();
      assert.deepEqual([meta.width, meta.height], [1024, 681]);
      const [json] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: "Download recipe JSON" }).click(),
      ]);
      const recipe = parseRecipe(
        JSON.parse(await Deno.readTextFile((await json.path())!)) as RecipeInput,
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
      // vectors of 12 B/px) a pass costs 3.4e6 + (1694 + 288)·1024·681 = 3,400,000 +
      // 1982·697,344 = 1,385,535,808 B <= 1.5 GiB (1,610,612,736).
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
        1_385_535_808,
        undefined,
      ]);
    });
  },
);
