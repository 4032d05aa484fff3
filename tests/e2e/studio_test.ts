/**
 * The studio in real headless Chromium against the real server: a full run on WebGPU
 * (SwiftShader) with share, permalink, gallery and remix; the fallback without WebGPU; the
 * weight cache across reloads; and the error messages for bad inputs and failed downloads.
 * Tiny sizes and few iterations: software WebGPU is slow.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  commitField,
  openStudio,
  previewData,
  runToEnd,
  shot,
  tinySetup,
  withStudio,
} from "./_harness.ts";

// playwright keeps sockets and timers of its own between calls.
const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test(
  "studio runs, shares, opens the permalink, finds it in the gallery and remixes it on WebGPU",
  opts,
  async () => {
    await withStudio({ webgpu: true }, async (server, b) => {
      const { page } = b;
      assert.equal(await openStudio(page, server.url), "webgpu");
      await tinySetup(page);
      await shot(page, "1-studio-inputs");
      const before = await previewData(page);
      const loss = await runToEnd(page);
      assert.notEqual(await previewData(page), before, "the preview canvas changed");
      assert.ok(loss.last < loss.first, `loss fell: ${loss.first} -> ${loss.last}`);
      await shot(page, "2-studio-result");

      await page.getByLabel("Title", { exact: true }).fill("e2e chelsea");
      await page.getByRole("button", { name: "Share to gallery" }).click();
      const link = page.getByTestId("permalink");
      await link.waitFor();
      const permalink = (await link.getAttribute("href"))!;
      assert.ok((await page.getByTestId("delete-token").textContent())!.length > 0);
      await shot(page, "3-shared");

      const id = permalink.split("/").pop()!;
      const perma = await b.context.newPage();
      const res = await perma.goto(permalink);
      assert.equal(res?.status(), 200);
      // The page embeds { id, title, recipe }.
      const embedded = JSON.parse((await perma.locator("#atelier-recipe").textContent())!);
      assert.equal(embedded.id, id);
      assert.equal(embedded.recipe.net.id, "darknet-tiny");
      assert.equal(embedded.recipe.size, 48);
      await shot(perma, "4-permalink");
      await perma.close();

      await page.getByRole("button", { name: "Gallery" }).click();
      await page.locator(`[data-testid=gallery-grid] li[data-id="${id}"]`).waitFor();
      await shot(page, "5-gallery");

      // Change the settings so the remix visibly restores them.
      await page.goto(`${server.url}/?view=studio`);
      await commitField(page, "Iterations", "77");
      await page.goto(`${server.url}/?remix=${id}`);
      await page.getByRole("status").filter({ hasText: "Loaded the recipe" }).waitFor();
      assert.equal(await page.getByLabel("Iterations", { exact: true }).inputValue(), "10");
      assert.equal(await page.getByLabel("Output size (px, long side)").inputValue(), "48");
      assert.equal(await page.getByLabel("Backbone", { exact: true }).inputValue(), "darknet-tiny");
      await shot(page, "6-remix");
    });
  },
);

Deno.test("studio falls back from WebGPU and says so", opts, async () => {
  await withStudio({ webgpu: false }, async (server, b) => {
    const { page } = b;
    const backend = await openStudio(page, server.url);
    assert.notEqual(backend, "webgpu");
    assert.match((await page.getByTestId("backend").textContent())!, /fell back: webgpu/);
    await tinySetup(page);
    const loss = await runToEnd(page);
    assert.ok(loss.last < loss.first);
    await shot(page, "7-fallback");

    // A forced backend: WASM (single-threaded SIMD: the CSP refuses tfjs's blob: thread workers).
    assert.equal(await openStudio(page, server.url, "?backend=wasm"), "wasm");
    const wasm = await runToEnd(page);
    assert.ok(wasm.last < wasm.first);
    await shot(page, "8-wasm");
  });
});

Deno.test("studio downloads no weight shard again after a reload", opts, async () => {
  await withStudio({ webgpu: false }, async (server, b) => {
    const { page, context } = b;
    const shards: string[] = [];
    context.on("request", (r) => {
      if (/\/models\/.+\.bin$/.test(new URL(r.url()).pathname)) shards.push(r.url());
    });
    await openStudio(page, server.url);
    await tinySetup(page);
    await runToEnd(page);
    assert.ok(shards.length > 0, "the first visit downloads shards");
    shards.length = 0;

    await page.reload();
    await openStudio(page, server.url);
    // Inputs (IndexedDB), settings (localStorage) and the last result survive the reload.
    await page.getByRole("img", { name: /^Content: chelsea\.png/ }).waitFor();
    assert.equal(await page.getByLabel("Iterations", { exact: true }).inputValue(), "10");
    await page.getByRole("button", { name: "Download PNG" }).waitFor();
    await runToEnd(page);
    assert.deepEqual(shards, [], "no shard downloaded the second time");
    await shot(page, "9-cached-rerun");
  });
});

Deno.test("studio explains bad files and failed downloads and stays usable", opts, async () => {
  await withStudio({ webgpu: false }, async (server, b) => {
    const { page, context } = b;
    await openStudio(page, server.url);
    const content = page.getByLabel("Content image", { exact: true });
    const alerts = page.getByRole("alert");

    await content.setInputFiles({
      name: "notes.txt",
      mimeType: "text/plain",
      buffer: Buffer.from("not a picture"),
    });
    await alerts.filter({ hasText: "notes.txt is not an image" }).waitFor();

    const wide = await page.evaluate(async () => {
      const c = new OffscreenCanvas(5000, 8);
      c.getContext("2d")!.fillRect(0, 0, 5000, 8);
      const blob = await c.convertToBlob({ type: "image/png" });
      return Array.from(new Uint8Array(await blob.arrayBuffer()));
    });
    await content.setInputFiles({
      name: "wide.png",
      mimeType: "image/png",
      buffer: Buffer.from(wide),
    });
    await alerts.filter({ hasText: "wide.png is 5000x8: the maximum is 4096 pixels per side" })
      .waitFor();

    await content.setInputFiles({
      name: "huge.png",
      mimeType: "image/png",
      buffer: Buffer.alloc(26 * 1024 * 1024),
    });
    await alerts.filter({ hasText: "huge.png is 26.0 MB: the maximum is 25 MB" }).waitFor();
    await shot(page, "10-bad-files");

    await context.route("**/models/darknet-tiny/*.bin", (route) => route.fulfill({ status: 404 }));
    await tinySetup(page);
    await page.getByRole("button", { name: "Paint", exact: true }).click();
    await alerts.filter({ hasText: /\.bin: HTTP 404/ }).waitFor({ timeout: 60_000 });
    await shot(page, "11-download-failed");

    // Still usable: the next run downloads and completes.
    await context.unroute("**/models/darknet-tiny/*.bin");
    await page.locator("[data-testid=status][data-status=idle]").waitFor();
    const loss = await runToEnd(page);
    assert.ok(loss.last < loss.first);
  });
});
