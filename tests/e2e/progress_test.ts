/**
 * Progress worth watching (issue 15), in real headless Chromium against the real server on
 * WASM: a two-scale coarse-to-fine run (darknet-tiny, 96 px from 64: scales 68 and 96 px)
 * shows its preview at each scale's size as it runs, marks the scale boundary on the chart,
 * says the ETA is approximate before the last scale, and names the backend with its threads;
 * Pause holds the run where it is and Resume continues it; Stop at the coarse scale keeps the
 * best image at the full size. Then axe-core checks the studio with the Advanced panel open
 * (every new control shown and enabled) at 1280x900 and 390x844.
 */
import assert from "node:assert/strict";
import sharp from "sharp";
import type { Page } from "playwright-core";
import {
  axeCheck,
  commitField,
  download,
  moreOptions,
  openStudio,
  runToEnd,
  shot,
  tinySetup,
  withStudio,
} from "./_harness.ts";

// playwright keeps sockets and timers of its own between calls.
const opts = { sanitizeOps: false, sanitizeResources: false };

/** Opens the Advanced panel (under More options) unless it is open. */
async function advanced(page: Page): Promise<void> {
  await moreOptions(page);
  const details = page.locator("details.advanced");
  if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open))) {
    await details.locator("summary").first().click();
  }
}

/** Turns coarse to fine on with its smallest scale at `minSize` px. */
async function coarseToFine(page: Page, minSize: number): Promise<void> {
  await advanced(page);
  const box = page.getByLabel("Coarse to fine");
  if (!(await box.isChecked())) await box.check();
  await commitField(page, "Smallest scale (px)", String(minSize));
}

interface Sample {
  width: number;
  height: number;
  /** A cheap fingerprint of the preview's pixels. */
  sum: number;
  status: string;
  approximate: string | null;
}

/** Samples the preview canvas and status line every 40 ms until collect() is called. */
async function startSampling(page: Page): Promise<void> {
  await page.evaluate(() => {
    const samples: unknown[] = [];
    const g = globalThis as unknown as { samples: unknown[]; sampler: number };
    g.samples = samples;
    g.sampler = setInterval(() => {
      const c = document.querySelector<HTMLCanvasElement>("[data-testid=preview]");
      if (!c) return;
      const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      let sum = 0;
      for (let i = 0; i < d.length; i += 7) sum = (sum * 31 + d[i]) % 1_000_000_007;
      samples.push({
        width: c.width,
        height: c.height,
        sum,
        status: document.querySelector("[data-testid=status]")?.textContent ?? "",
        approximate: document.querySelector("[data-testid=eta]")?.getAttribute(
          "data-approximate",
        ) ?? null,
      });
    }, 40);
  });
}

function collect(page: Page): Promise<Sample[]> {
  return page.evaluate(() => {
    const g = globalThis as unknown as { samples: Sample[]; sampler: number };
    clearInterval(g.sampler);
    return g.samples;
  });
}

/** The displayed iteration (the whole run's). */
async function iteration(page: Page): Promise<number> {
  return Number(await page.getByTestId("iteration").textContent());
}

Deno.test(
  "a two-scale run shows each scale's preview live, marks the boundary, and Pause/Stop keep its state",
  opts,
  async () => {
    await withStudio({ webgpu: false }, async (server, b) => {
      const { page } = b;
      assert.equal(await openStudio(page, server.url, "?backend=wasm"), "wasm");
      // chelsea.png is 451x300: at 96 px 96x64; from 64 px in sqrt(2) steps the scales are
      // round(96 / sqrt(2)) = 68 (68x45) and 96 (pyramid.ts pyramidSizes()).
      await tinySetup(page, { size: 96, iterations: 10 });
      await coarseToFine(page, 64);
      await startSampling(page);
      await runToEnd(page);
      const samples = await collect(page);

      const status = (await page.getByTestId("status").textContent())!;
      assert.match(status, /Iteration 10 of 10 \(scale 2 of 2, 96 px\)/);
      // The thread count itself is checked in speed_test.ts (min(8, cores) under the real CSP).
      assert.match(status, /on wasm, [1-9]\d* threads?\b/);
      // The preview at each scale's own size, in order: the coarse scale's, then the fine one's.
      const atScale = (k: number) => samples.filter((s) => s.status.includes(`scale ${k} of 2`));
      const coarse = atScale(1).filter((s) => s.width === 68 && s.height === 45);
      const fine = atScale(2).filter((s) => s.width === 96 && s.height === 64);
      assert.ok(coarse.length > 0, `a 68x45 preview during scale 1: ${JSON.stringify(samples)}`);
      assert.ok(fine.length > 0, "a 96x64 preview during scale 2");
      assert.ok(
        samples.indexOf(coarse[0]) < samples.indexOf(fine[0]),
        "the coarse preview comes first",
      );
      // Live: the preview's pixels changed more than once while the run went on.
      const distinct = new Set(samples.map((s) => `${s.width}x${s.height}:${s.sum}`));
      assert.ok(distinct.size >= 3, `${distinct.size} distinct previews`);
      // Before the last scale the ETA says it is approximate; on the last it does not.
      assert.ok(atScale(1).some((s) => s.approximate === "true"), "approximate ETA at scale 1");
      assert.ok(atScale(2).every((s) => s.approximate !== "true"), "exact ETA at scale 2");
      // The chart marks the one boundary, labelled with the new scale's size.
      const marks = page.getByTestId("loss-chart").getByTestId("scale-mark");
      assert.equal(await marks.count(), 1);
      assert.equal(await marks.textContent(), "96 px");
      await shot(page, "30-progress-two-scales");

      // A longer run: pause at the coarse scale, resume, then stop there. 600 iterations keep the
      // coarse scale busy for seconds (at 60 it could pass iteration 9 between two polls).
      await commitField(page, "Iterations", "600");
      await page.getByRole("button", { name: "Paint", exact: true }).click();
      await page.getByTestId("status").filter({ hasText: /Iteration \d+ of 600 \(scale 1/ })
        .waitFor({ timeout: 60_000 });
      await page.getByRole("button", { name: "Pause" }).click();
      await page.locator("[data-testid=status][data-status=paused]").waitFor();
      // The iteration running when Pause came may still finish; after that nothing moves.
      await page.waitForTimeout(1000);
      const held = await iteration(page);
      await page.waitForTimeout(2000);
      assert.equal(await iteration(page), held, "no iteration while paused");
      await page.getByRole("button", { name: "Resume" }).click();
      await page.waitForFunction(
        (n) => Number(document.querySelector("[data-testid=iteration]")?.textContent) > n,
        held,
        { timeout: 30_000 },
      );
      const before = (await page.getByTestId("status").textContent())!;
      await page.getByRole("button", { name: "Stop" }).click();
      await page.locator("[data-testid=status][data-status=idle]").waitFor({ timeout: 60_000 });
      assert.match(
        (await page.getByTestId("status").textContent())!,
        /stopped: the best image so far is kept/,
      );
      // 600 iterations split 360/240: stopped within the first (coarse) scale, the kept image
      // is nevertheless the content's full 96x64 (render.ts enlarges it).
      assert.match(before, /\(scale 1 of 2, 68 px\)/);
      const meta = await sharp(await download(page, "Download PNG")).metadata();
      assert.deepEqual([meta.width, meta.height], [96, 64]);
      await shot(page, "31-progress-stopped");
    });
  },
);

Deno.test(
  "axe-core finds no serious or critical violation with the Advanced panel open, at 1280x900 and 390x844",
  opts,
  async () => {
    await withStudio({ webgpu: false }, async (server, b) => {
      const { page } = b;
      await openStudio(page, server.url, "?backend=wasm");
      await advanced(page);
      // Every control shown and enabled: coarse to fine (enables its smallest scale), colour
      // matching (enabled by the "match" mode), and the layer table once the manifest loads.
      await coarseToFine(page, 128);
      await page.getByLabel("Colour", { exact: true }).selectOption("match");
      await page.getByLabel("SWAG activation smoothing").selectOption("map");
      await page.locator("table.layers tbody tr").first().waitFor();
      for (
        const label of [
          "Style loss",
          "Layer balance",
          "Colour",
          "Colour matching",
          "Coarse to fine",
          "Smallest scale (px)",
          "Painting size (× the output)",
          "SWAG activation smoothing",
          "Pooling",
          "Parameterisation",
          "Transformation robustness",
          "Anti-aliasing (blur before every stride-2 layer)",
        ]
      ) {
        const control = page.getByLabel(label, { exact: true });
        assert.ok(await control.isVisible(), `${label} is shown`);
        assert.ok(await control.isEnabled(), `${label} is enabled`);
      }
      await axeCheck(page, "the Advanced panel at 1280x900");
      await shot(page, "32-advanced-1280");
      await page.setViewportSize({ width: 390, height: 844 });
      await axeCheck(page, "the Advanced panel at 390x844");
      await shot(page, "33-advanced-phone");
    });
  },
);
