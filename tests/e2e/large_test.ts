/**
 * Large outputs in the studio (issue 14), in real headless Chromium against the real server on
 * WASM, kept small enough for CI: the page's ?tile=64 test hook makes a 128 px Darknet-tiny run
 * evaluate its objective in 64 px tiles. The status line shows the tile progress the worker
 * forwards, and the downloaded PNG is the full output size.
 */
import assert from "node:assert/strict";
import sharp from "sharp";
import { download, openStudio, shot, tinySetup, withStudio } from "./_harness.ts";

// playwright keeps sockets and timers of its own between calls.
const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test(
  "studio shows tile progress in a tiled run and downloads the full-size PNG",
  opts,
  async () => {
    await withStudio({ webgpu: false }, async (server, b) => {
      const { page } = b;
      assert.equal(await openStudio(page, server.url, "?backend=wasm&tile=64"), "wasm");
      // chelsea.png is 451x300: at 128 px 128x85. Darknet-tiny's deepest default layer has a
      // 16 px jump, so 64 px tiles stay 64: ceil(85/64)·ceil(128/64) = 2·2 = 4 tiles.
      await tinySetup(page, { size: 128, iterations: 6 });
      // Darknet-tiny's default four fixed views cannot tile (tilingRefusal()): off.
      await page.getByText("Advanced: layers").click();
      await page.getByLabel("Transformation robustness").selectOption("off");
      await page.getByRole("button", { name: "Paint", exact: true }).click();
      const tile = page.getByTestId("tile");
      await tile.waitFor({ timeout: 120_000 });
      assert.match(
        (await tile.textContent())!,
        /^scale 1\/1 · tile [1-4]\/4 \(pass [12]\/2\)$/,
      );
      await shot(page, "40-large-tile-progress");
      await page.locator("[data-testid=status][data-status=idle]").waitFor({ timeout: 300_000 });
      // The tile line belongs to a running evaluation: gone when the run is done.
      assert.equal(await page.getByTestId("tile").count(), 0);
      const meta = await sharp(await download(page, "Download PNG")).metadata();
      assert.deepEqual([meta.width, meta.height], [128, 85]);
    });
  },
);
