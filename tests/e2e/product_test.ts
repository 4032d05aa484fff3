/**
 * The studio as a newcomer meets it (issue 15), in real headless Chromium against the real
 * server, at 1280x900 and at a 390x844 phone: the example photos and paintings run in a few
 * clicks, the settings sit behind "More options", the loss chart has axes and a legend, the
 * layout's boxes do not overlap, the phone's navigation collapses behind a menu button, the
 * reports show their strips and numbers, and axe-core finds no serious or critical violation
 * on any view. WASM (?backend=wasm): the fastest backend on the CI machine.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Page } from "playwright-core";
import {
  axeCheck,
  launch,
  openStudio,
  runToEnd,
  shot,
  startServer,
  tinySettings,
} from "./_harness.ts";

// playwright keeps sockets and timers of its own between calls.
const opts = { sanitizeOps: false, sanitizeResources: false };

const VIEWS = {
  studio: "Studio",
  compare: "Compare",
  gallery: "Gallery",
  see: "What does this network see?",
  reports: "Reports",
} as const;

/** Waits until the view button `name` is the pressed one (the menu may hide it). */
async function viewShown(page: Page, name: string): Promise<void> {
  await page.locator('#views-nav button[aria-pressed="true"]').filter({ hasText: name })
    .waitFor({ state: "attached" });
}

/**
 * Pairs of sibling elements (each selector matches one group of siblings) whose boxes overlap
 * by more than 1 px each way, from getBoundingClientRect(); zero-size elements are skipped.
 */
function overlaps(page: Page, groups: string[]): Promise<string[]> {
  return page.evaluate((groups) => {
    const out: string[] = [];
    for (const sel of groups) {
      const boxes = Array.from(document.querySelectorAll(sel)).map((e) => ({
        name: `${e.tagName.toLowerCase()}.${(e.getAttribute("class") ?? "").replace(/ /g, ".")}` +
          (e.getAttribute("aria-label") ? `[${e.getAttribute("aria-label")}]` : ""),
        r: e.getBoundingClientRect(),
      })).filter((b) => b.r.width > 0 && b.r.height > 0);
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const a = boxes[i].r;
          const b = boxes[j].r;
          const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
          const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
          if (w > 1 && h > 1) out.push(`${sel}: ${boxes[i].name} x ${boxes[j].name}`);
        }
      }
    }
    return out;
  }, groups);
}

/** The studio's sibling groups: header parts, the two columns, and each column's blocks. */
const STUDIO_GROUPS = ["body > #app > *", "header > *", ".studio > *", ".setup > *", ".output > *"];

async function noOverlap(page: Page, where: string): Promise<void> {
  const found = await overlaps(page, STUDIO_GROUPS);
  assert.deepEqual(found, [], `overlapping boxes on ${where}: ${found.join("; ")}`);
  const widths = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    viewport: innerWidth,
  }));
  assert.ok(widths.page <= widths.viewport, `no horizontal overflow on ${where}: ${widths.page}`);
}

/** A 1x1 PNG for the fake experiment's images. */
const PNG = Uint8Array.from(
  atob(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==",
  ),
  (c) => c.charCodeAt(0),
);

async function fakeExperiment(dir: string): Promise<void> {
  await Deno.mkdir(join(dir, "grid", "images"), { recursive: true });
  const cells = [
    { net: "darknet-tiny", fix: "plain", init: "content", headline: 0.3, file: "a.png" },
    { net: "darknet-tiny", fix: "fourier", init: "noise", headline: 0.2, file: "b.png" },
    { net: "mobilenet-v1", fix: "plain", init: "content", headline: 0.7, file: "c.png" },
  ];
  for (const c of cells) await Deno.writeFile(join(dir, "grid", "images", c.file), PNG);
  await Deno.writeTextFile(join(dir, "grid", "report.html"), "<!doctype html><title>r</title>");
  await Deno.writeTextFile(
    join(dir, "grid", "results.json"),
    JSON.stringify({
      meta: { date: "2026-11-25T11:01:02.499Z", size: 96, iterations: 30, backend: "wasm" },
      cells: cells.map((c) => ({ ...c, image: `images/${c.file}` })),
    }),
  );
}

Deno.test(
  "a first visit paints an example in a few clicks, with a chart that has axes, at 1280x900",
  opts,
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "atelier-e2e-product-" });
    await fakeExperiment(dir);
    const server = await startServer({ experimentsDir: dir });
    const b = await launch({ webgpu: false });
    try {
      const { page } = b;
      assert.equal(await openStudio(page, server.url, "?backend=wasm"), "wasm");
      // The first visit: the hint with the article's link, examples, Paint, settings folded.
      const hint = page.getByRole("complementary", { name: "How Atelier paints" });
      assert.match(
        (await hint.getByRole("link").getAttribute("href"))!,
        /^https:\/\/distill\.pub\/2019\/advex-bugs-discussion\/response-4\/$/,
      );
      assert.equal(await page.getByLabel("Iterations", { exact: true }).isVisible(), false);
      assert.ok(await page.getByRole("button", { name: "Paint", exact: true }).isDisabled());
      await page.locator("[data-example]").first().waitFor();
      // The hero strip shows what the build has (deno task hero fills it; absent otherwise),
      // each picture loaded and captioned with its credits.
      const { hero } = await (await fetch(`${server.url}/examples.json`)).json();
      const heroImgs = page.getByRole("region", { name: "Painted by Atelier" }).locator("img");
      if (hero.length) await heroImgs.first().waitFor();
      assert.equal(await heroImgs.count(), hero.length);
      for (const img of await heroImgs.all()) {
        assert.ok(await img.evaluate((i) => (i as HTMLImageElement).decode().then(() => true)));
      }
      await shot(page, "20-first-visit-1280");
      await noOverlap(page, "the first visit at 1280x900");
      for (const name of Object.values(VIEWS)) {
        await page.getByRole("button", { name, exact: true }).click();
        await viewShown(page, name);
        await axeCheck(page, `${name} at 1280x900`);
      }
      await page.getByRole("button", { name: "Studio", exact: true }).click();

      // Two example clicks set the inputs.
      await page.locator("[data-example=chelsea]").click();
      await page.locator("[data-example=starry-night]").click();
      await page.getByRole("img", { name: /^Content: chelsea\.webp \(451x300\)/ }).waitFor();
      assert.equal(
        await page.locator("[data-example=chelsea]").getAttribute("aria-pressed"),
        "true",
      );
      assert.equal(
        await page.locator("[data-example=starry-night]").getAttribute("aria-pressed"),
        "true",
      );
      assert.equal(await page.locator(".styles li").count(), 1, "one painting chosen");
      // The default recipe is far too slow for CI: shrink it under More options.
      await tinySettings(page, { size: 48, iterations: 8 });
      const loss = await runToEnd(page);
      assert.ok(loss.last < loss.first, `loss fell: ${loss.first} -> ${loss.last}`);

      const status = (await page.getByTestId("status").textContent())!;
      assert.match(status, /Iteration 8 of 8/);
      assert.match(status, /\d+ s elapsed/);
      assert.match(status, /on wasm/);
      // The chart: decade ticks on a log axis, an iteration axis from 1, a four-line legend.
      const chart = page.getByTestId("loss-chart");
      const yTicks = await chart.getByTestId("y-axis").locator("g text").allTextContents();
      assert.ok(yTicks.length >= 2, `at least two decades: ${yTicks}`);
      for (const [i, t] of yTicks.entries()) {
        if (i > 0) assert.equal(Number(t) / Number(yTicks[i - 1]), 10, `decades: ${yTicks}`);
      }
      assert.match((await chart.getByTestId("y-axis").textContent())!, /loss \(log scale\)/);
      const xText = await chart.getByTestId("x-axis").locator("text").allTextContents();
      assert.equal(xText[0], "1");
      assert.equal(xText.at(-1), "iteration");
      assert.deepEqual(
        (await chart.locator(".legend li").allTextContents()).map((t) => t.split(" ")[0]),
        ["total", "content", "style", "tv"],
      );
      assert.ok(await chart.locator("polyline").count() >= 3, "total, content and style lines");
      await shot(page, "21-example-run-1280");
      await noOverlap(page, "the studio after a run at 1280x900");
      await axeCheck(page, "the studio after a run at 1280x900");

      // Reports: each with its strip (the best cell per backbone and fix) and numbers.
      await page.getByRole("button", { name: "Reports", exact: true }).click();
      const card = page.locator("[data-testid=reports] li[data-name=grid]");
      await card.getByTestId("report-numbers").waitFor();
      const strip = card.locator(".strip img");
      assert.equal(await strip.count(), 3);
      await page.waitForFunction(() =>
        Array.from(document.querySelectorAll<HTMLImageElement>(".strip img")).every((i) =>
          i.complete && i.naturalWidth === 1
        )
      );
      const numbers = (await card.getByTestId("report-numbers").textContent())!;
      assert.match(numbers, /Runs3/);
      assert.match(numbers, /96 px, 30 iterations/);
      // Lowest headline within each backbone: darknet-tiny's fourier cell (0.2 < 0.3).
      assert.match(
        numbers,
        /Best on darknet-tiny\s*fourier, from noise: judge style distance 0\.200/,
      );
      assert.match(numbers, /Best on mobilenet-v1\s*plain, from content/);
      await shot(page, "22-reports-1280");
    } finally {
      await b.close();
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test(
  "on a 390x844 phone the views collapse behind a menu and the preview comes first",
  opts,
  async () => {
    const server = await startServer();
    const b = await launch({ webgpu: false });
    try {
      const { page } = b;
      await page.setViewportSize({ width: 390, height: 844 });
      await openStudio(page, server.url);
      await page.locator("[data-example]").first().waitFor();
      const menu = page.getByRole("button", { name: "Menu" });
      assert.equal(await menu.getAttribute("aria-expanded"), "false");
      assert.equal(await page.getByRole("navigation", { name: "Views" }).isVisible(), false);
      // The preview stacks above the controls.
      const previewTop = (await page.getByTestId("preview").boundingBox())!.y;
      const paintTop = (await page.getByRole("button", { name: "Paint" }).boundingBox())!.y;
      assert.ok(previewTop < paintTop, `preview ${previewTop} above Paint ${paintTop}`);
      await shot(page, "23-phone-studio");
      await noOverlap(page, "the studio at 390x844");

      await menu.click();
      assert.equal(await menu.getAttribute("aria-expanded"), "true");
      const nav = page.getByRole("navigation", { name: "Views" });
      for (const name of Object.values(VIEWS)) {
        const box = (await nav.getByRole("button", { name, exact: true }).boundingBox())!;
        assert.ok(box.x >= 0 && box.x + box.width <= 390, `${name} fits: ${JSON.stringify(box)}`);
        assert.ok(box.height < 60, `${name} is one line: ${box.height}`);
      }
      await shot(page, "24-phone-menu");
      await axeCheck(page, "the open menu at 390x844");
      for (const [v, name] of Object.entries(VIEWS)) {
        if (!(await nav.isVisible())) await menu.click();
        await nav.getByRole("button", { name, exact: true }).click();
        await viewShown(page, name);
        // Choosing a view closes the menu.
        assert.equal(await menu.getAttribute("aria-expanded"), "false");
        await axeCheck(page, `${v} at 390x844`);
        await shot(page, `25-phone-${v}`);
      }

      // Keyboard: Tab reaches the menu button, Enter opens it.
      await page.goto(`${server.url}/?view=studio`);
      await page.keyboard.press("Tab");
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), "☰ Menu");
      await page.keyboard.press("Enter");
      assert.equal(await menu.getAttribute("aria-expanded"), "true");
    } finally {
      await b.close();
      await server.close();
    }
  },
);
