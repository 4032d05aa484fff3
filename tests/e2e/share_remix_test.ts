/**
 * Re-runnable shares in real headless Chromium against the real server (issue 15): a result is
 * shared without and then with its photo, and again after a page reload (its inputs restored
 * from IndexedDB); a second, fresh browser (its own profile: no shared
 * storage or cache) remixes the shared entry on WASM and re-runs it to the same pixels; the
 * permalink page's boxes do not overlap at 1280x900 and 390x844. darknet-tiny, 64 px and a few
 * iterations keep it fast on CPU.
 */
import assert from "node:assert/strict";
import sharp from "sharp";
import type { Page } from "playwright-core";
import {
  commitField,
  download,
  launch,
  openStudio,
  runToEnd,
  shot,
  startServer,
  tinySetup,
} from "./_harness.ts";

// playwright keeps sockets and timers of its own between calls.
const opts = { sanitizeOps: false, sanitizeResources: false };

/** RGBA pixels of a PNG, with its size. */
async function pixels(png: Uint8Array) {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

/** Records the field names of every FormData the page sends with fetch (the share upload). */
async function recordSentFields(page: Page) {
  await page.addInitScript(() => {
    const send = globalThis.fetch;
    globalThis.fetch = (input, init) => {
      if (init?.body instanceof FormData) {
        (globalThis as { sentFields?: string[] }).sentFields = [...init.body.keys()];
      }
      return send(input, init);
    };
  });
}

/** Shares the current result; returns the entry id and the multipart field names sent. */
async function shareResult(page: Page, title: string, withPhoto: boolean) {
  await page.getByLabel("Title", { exact: true }).fill(title);
  const photo = page.getByLabel("Share my photo");
  assert.equal(await photo.isChecked(), false, "the photo is not shared by default");
  if (withPhoto) await photo.check();
  await page.getByRole("button", { name: "Share to gallery" }).click();
  const link = page.getByTestId("permalink");
  await link.waitFor();
  const fields = await page.evaluate(() => (globalThis as { sentFields?: string[] }).sentFields!);
  return { id: (await link.getAttribute("href"))!.split("/").pop()!, fields };
}

/** Boxes marked data-box on the permalink page that intersect (by more than half a pixel). */
function overlaps(page: Page) {
  return page.evaluate(() => {
    const boxes = [...document.querySelectorAll<HTMLElement>("[data-box]")].map((el) => ({
      name: el.dataset.box!,
      r: el.getBoundingClientRect(),
    }));
    const out: string[] = [];
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i].r, b = boxes[j].r;
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 0.5 && h > 0.5) out.push(`${boxes[i].name} x ${boxes[j].name}`);
      }
    }
    return {
      out,
      names: boxes.map((b) => b.name),
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth,
      result: (() => {
        const r = document.querySelector(".compare")!.getBoundingClientRect();
        return { width: r.width, height: r.height, top: r.top };
      })(),
    };
  });
}

Deno.test(
  "a shared result, with and without its photo, is remixed in a fresh browser and re-runs to the same pixels on WASM",
  opts,
  async () => {
    const server = await startServer();
    const api = async (id: string) => await (await fetch(`${server.url}/api/gallery/${id}`)).json();
    let shared: { id: string; png: Uint8Array };
    const first = await launch({ webgpu: false });
    try {
      const { page } = first;
      await recordSentFields(page);
      assert.equal(await openStudio(page, server.url, "?backend=wasm"), "wasm");
      await tinySetup(page, { size: 64, iterations: 4 });
      await runToEnd(page);
      const priv = await shareResult(page, "e2e private photo", false);
      assert.deepEqual(priv.fields.sort(), ["image", "recipe", "style", "title"]);
      const privEntry = await api(priv.id);
      assert.equal(privEntry.inputs.content, null);
      assert.equal(privEntry.inputs.styles.length, 1);
      await shot(page, "share-1-private");

      // A second result (one more iteration), shared with the photo.
      await commitField(page, "Iterations", "5");
      await runToEnd(page);
      const png = await download(page, "Download PNG");
      const pub = await shareResult(page, "e2e with photo", true);
      assert.deepEqual(pub.fields.sort(), ["content", "image", "recipe", "style", "title"]);
      const pubEntry = await api(pub.id);
      assert.ok(pubEntry.inputs.content, "the photo is stored");
      // Same painting pixels in both shares: one stored copy, one hash.
      assert.equal(pubEntry.inputs.styles[0].sha256, privEntry.inputs.styles[0].sha256);
      await shot(page, "share-2-with-photo");
      shared = { id: pub.id, png };

      // After a reload the restored result still shares its exact inputs (IndexedDB keeps
      // the PNGs the engine was given): the same stored photo and painting, by content hash.
      await page.reload();
      await page.getByRole("button", { name: "Share to gallery" }).waitFor();
      const restored = await shareResult(page, "e2e after reload", true);
      assert.deepEqual(restored.fields.sort(), ["content", "image", "recipe", "style", "title"]);
      const restoredEntry = await api(restored.id);
      assert.equal(restoredEntry.inputs.content.sha256, pubEntry.inputs.content.sha256);
      assert.equal(restoredEntry.inputs.styles[0].sha256, pubEntry.inputs.styles[0].sha256);

      // The permalink page: no overlapping boxes at desktop and phone sizes.
      const perma = await first.context.newPage();
      for (const [entry, id] of [["photo", pub.id], ["private", priv.id]]) {
        for (const [w, h] of [[1280, 900], [390, 844]]) {
          await perma.setViewportSize({ width: w, height: h });
          assert.equal((await perma.goto(`${server.url}/g/${id}`))?.status(), 200);
          for (const img of await perma.locator("main img").all()) {
            await img.evaluate((el) => (el as HTMLImageElement).decode());
          }
          const m = await overlaps(perma);
          assert.deepEqual(m.names, ["bar", "result", "title", "actions", "inputs", "recipe"]);
          assert.deepEqual(m.out, [], `overlapping boxes at ${w}x${h} (${entry})`);
          assert.ok(m.scrollWidth <= m.innerWidth, `no horizontal scroll at ${w}x${h}`);
          // The result is large: it fills its column and fits the viewport's height.
          assert.ok(m.result.width >= (w > 600 ? 0.6 : 0.9) * (w - 32), JSON.stringify(m.result));
          assert.ok(m.result.top + m.result.height <= h, JSON.stringify(m.result));
          await shot(perma, `share-3-permalink-${entry}-${w}x${h}`);
        }
      }
      assert.equal(await perma.getByTestId("photo-private").count(), 1);
      await perma.goto(`${server.url}/g/${pub.id}`);
      // The before/after slider moves the divider (served script, CSP script-src 'self').
      await perma.getByLabel(/Before and after/).fill("20");
      assert.equal(
        await perma.locator("#compare").evaluate((el) => el.style.getPropertyValue("--pos")),
        "20%",
      );
      await perma.close();
    } finally {
      await first.close();
    }

    // A fresh browser: its own profile, so no IndexedDB, cache or settings from the first.
    const second = await launch({ webgpu: false });
    try {
      const { page } = second;
      assert.equal(
        await openStudio(page, server.url, `?backend=wasm&remix=${shared.id}`),
        "wasm",
      );
      await page.getByRole("status").filter({ hasText: "with its photo and paintings" }).waitFor();
      assert.equal(await page.getByLabel("Iterations", { exact: true }).inputValue(), "5");
      assert.equal(await page.getByLabel("Output size (px, long side)").inputValue(), "64");
      await runToEnd(page);
      const again = await download(page, "Download PNG");
      const [a, b] = await Promise.all([pixels(shared.png), pixels(again)]);
      assert.deepEqual([b.width, b.height], [a.width, a.height]);
      let differ = 0;
      for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) differ++;
      assert.equal(differ, 0, `${differ} of ${a.data.length} channel values differ`);
      await shot(page, "share-4-remix-rerun");

      // The private-photo entry: paintings and recipe load, the photo is asked for.
      const privId = (await (await fetch(`${server.url}/api/gallery?limit=50`)).json()).items
        .find((i: { title: string }) => i.title === "e2e private photo").id;
      await openStudio(page, server.url, `?backend=wasm&remix=${privId}`);
      await page.getByRole("status").filter({ hasText: "its photo is private" }).waitFor();
      assert.equal(await page.getByLabel("Iterations", { exact: true }).inputValue(), "4");
      await shot(page, "share-5-remix-private");
    } finally {
      await second.close();
      await server.close();
    }
  },
);
