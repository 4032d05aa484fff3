/**
 * The studio's lab features in real headless Chromium against the real server: Compare on two
 * backbones with the synchronised lens and the before/after slider; "What does this network
 * see?" on darknet-tiny; the article's fixes flowing into a shared recipe and back through a
 * remix; and the experiment reports. Tiny sizes and few iterations: the CPU backends are slow.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { ARCH_DEFAULTS } from "../../src/shared/presets.ts";
import { supersampleFor } from "../../src/shared/recipe_defaults.ts";
import {
  ARTIFACTS,
  commitField,
  launch,
  openStudio,
  runToEnd,
  shot,
  startServer,
  tinySetup,
  twoFrames,
  withStudio,
} from "./_harness.ts";

// playwright keeps sockets and timers of its own between calls.
const opts = { sanitizeOps: false, sanitizeResources: false };

/** Per panel: the lens centre as a fraction of the panel, and lens vs source pixels. */
function lensState(page: Page) {
  return page.locator(".panel-box").evaluateAll((boxes) =>
    boxes.map((box) => {
      const b = box.getBoundingClientRect();
      const lens = box.querySelector("canvas.lens") as HTMLCanvasElement | null;
      const src = box.querySelector("canvas.rgba") as HTMLCanvasElement;
      if (!lens) return null;
      const l = lens.getBoundingClientRect();
      const u = (l.left + l.width / 2 - b.left) / b.width;
      const v = (l.top + l.height / 2 - b.top) / b.height;
      // The lens (120 px, no smoothing) is centred on source point (u W, v H): its centre pixel
      // (60, 60) shows source pixel (floor(u W), floor(v H)), give or take the half pixel the
      // lens spans (much less than one source pixel at 4x the panel's enlargement).
      const sx = Math.floor(u * src.width);
      const sy = Math.floor(v * src.height);
      return {
        u,
        v,
        lens: Array.from(lens.getContext("2d")!.getImageData(60, 60, 1, 1).data),
        source: Array.from(src.getContext("2d")!.getImageData(sx, sy, 1, 1).data),
      };
    })
  );
}

Deno.test(
  "compare runs one recipe on two backbones with a shared lens and a before/after slider",
  opts,
  async () => {
    await withStudio({ webgpu: false }, async (server, b) => {
      const { page } = b;
      await openStudio(page, server.url);
      await tinySetup(page, { size: 48, iterations: 3 });
      await page.getByRole("button", { name: "Compare", exact: true }).click();
      const want: Record<string, boolean> = {
        "Darknet tiny (ImageNet)": true,
        "MobileNet v1 0.75 (ImageNet)": true,
        "ResNet-50 (ImageNet)": false,
      };
      for (const [name, on] of Object.entries(want)) {
        const box = page.getByLabel(name, { exact: true });
        if (await box.count()) await box.setChecked(on);
      }
      await page.getByRole("button", { name: "Run comparison" }).click();
      for (const name of ["Darknet tiny (ImageNet)", "MobileNet v1 0.75 (ImageNet)"]) {
        await page.getByRole("img", { name: `Result on ${name}` }).waitFor({ timeout: 150_000 });
      }
      assert.equal(await page.locator(".panel-box canvas.rgba").count(), 2);

      // Hover one panel: every panel shows the lens at the same image coordinate.
      const first = page.locator(".panel-box").first();
      const box = (await first.boundingBox())!;
      await first.hover({ position: { x: box.width * 0.3, y: box.height * 0.6 } });
      await page.locator(".panel-box canvas.lens").nth(1).waitFor();
      // Before any full-page screenshot: resizing the viewport moves the pointer off the panel.
      const lenses = await lensState(page);
      await Deno.mkdir(ARTIFACTS, { recursive: true });
      await page.getByTestId("compare-panels").screenshot({
        path: new URL("12-compare-lens.png", ARTIFACTS).pathname,
      });
      assert.equal(lenses.length, 2);
      for (const l of lenses) {
        assert.ok(l, "every panel shows a lens");
        assert.ok(Math.abs(l.u - 0.3) < 0.02 && Math.abs(l.v - 0.6) < 0.02, JSON.stringify(l));
        // What the lens magnifies is the source pixel under it.
        l.lens.forEach((c, i) => assert.ok(Math.abs(c - l.source[i]) <= 2, JSON.stringify(l)));
      }
      assert.ok(Math.abs(lenses[0]!.u - lenses[1]!.u) < 0.005);
      assert.ok(Math.abs(lenses[0]!.v - lenses[1]!.v) < 0.005);

      // Move away: the lens goes; the slider then uncovers the content image.
      await page.mouse.move(0, 0);
      await page.locator(".panel-box canvas.lens").first().waitFor({ state: "detached" });
      const after = await first.screenshot();
      const slider = page.getByLabel(/Before\/after/);
      await slider.evaluate((el) => {
        (el as HTMLInputElement).value = "100";
        el.dispatchEvent(new Event("input", { bubbles: true }));
      });
      await page.waitForFunction(() =>
        (document.querySelector(".panel-box .before") as HTMLElement | null)?.style.clipPath
          .includes("0%")
      );
      const before = await first.screenshot();
      assert.notDeepEqual(before, after, "the slider changes what the panel shows");
      await shot(page, "13-compare-before");
    });
  },
);

Deno.test(
  "see view visualises a conv6 channel of darknet-tiny and explains a bad channel",
  opts,
  async () => {
    await withStudio({ webgpu: false }, async (server, b) => {
      const { page } = b;
      await openStudio(page, server.url);
      await page.getByRole("button", { name: "What does this network see?" }).click();
      await page.getByLabel("Network", { exact: true }).selectOption("darknet-tiny");
      await page.getByLabel("Layer", { exact: true }).selectOption("conv6");
      const set = (label: string, value: string) => commitField(page, label, value);
      await set("Size (px)", "48");
      await set("Iterations", "8");
      assert.equal(await page.getByLabel("Parameterisation").inputValue(), "fourier");
      assert.ok(await page.getByLabel("Decorrelated colour").isChecked());
      assert.equal(await page.getByLabel("Transformation robustness").inputValue(), "lucid");

      await set("Channel", "999");
      await page.getByRole("button", { name: "Visualise" }).click();
      await page.getByRole("alert").filter({
        hasText: "Channel 999 is out of range: layer conv6 has 128",
      }).waitFor({ timeout: 60_000 });
      await shot(page, "14-see-bad-channel");

      await set("Channel", "5");
      await page.locator("[data-testid=vis-status][data-status=idle]").waitFor();
      const blank = await page.getByTestId("vis-preview").evaluate((c) =>
        (c as HTMLCanvasElement).toDataURL()
      );
      await page.getByRole("button", { name: "Visualise" }).click();
      await page.locator("[data-testid=vis-status][data-status=running]").waitFor();
      await page.locator("[data-testid=vis-status][data-status=idle]").waitFor({
        timeout: 120_000,
      });
      assert.equal(await page.getByRole("alert").count(), 0);
      const act = page.getByTestId("activation");
      const firstAct = Number(await act.getAttribute("data-first"));
      const lastAct = Number(await act.textContent());
      assert.ok(lastAct > firstAct, `activation rose: ${firstAct} -> ${lastAct}`);
      assert.match((await page.getByTestId("vis-status").textContent())!, /Iteration 8 of 8/);
      const shown = await page.getByTestId("vis-preview").evaluate((c) => ({
        url: (c as HTMLCanvasElement).toDataURL(),
        width: (c as HTMLCanvasElement).width,
      }));
      assert.notEqual(shown.url, blank, "the preview shows the visualisation");
      assert.equal(shown.width, 48);
      await page.getByRole("button", { name: "Download PNG" }).waitFor();
      await shot(page, "15-see-result");
    });
  },
);

Deno.test(
  "the Lucid preset and the fixes controls reach the shared recipe and come back on remix",
  opts,
  async () => {
    await withStudio({ webgpu: false }, async (server, b) => {
      const { page } = b;
      await openStudio(page, server.url);
      // 64 px: lucid's 0.95 scale must keep the short side (2/3 of the long) at 32 px or more.
      await tinySetup(page, { size: 64, iterations: 3 });
      await page.getByText("Advanced: layers").click();
      // The panel shows the network's default transforms: Darknet-tiny's and MobileNet-v1's four
      // mirrored views, none for ResNet-50.
      const backbone = page.getByLabel("Backbone", { exact: true });
      const robustness = page.getByLabel("Transformation robustness");
      for (const net of ["darknet-tiny", "resnet50", "mobilenet-v1", "darknet-tiny"]) {
        await backbone.selectOption(net);
        await twoFrames(page);
        const four = net !== "resnet50";
        assert.equal(await page.getByLabel("Fixed views").inputValue(), four ? "4" : "", net);
        assert.equal(await robustness.inputValue(), four ? "custom" : "off", net);
        if (four) assert.equal(await page.getByLabel("Pad fill").inputValue(), "reflect");
        // ResNet-50 and MobileNet-v1 supersample by default (4x at this 64 px size), Darknet-tiny
        // runs at its size.
        const side = ARCH_DEFAULTS[net].supersample?.side;
        const factor = String((side && supersampleFor(64, side)) ?? 1);
        assert.equal(factor !== "1", net !== "darknet-tiny");
        assert.equal(await page.getByLabel("Supersampling").inputValue(), factor, net);
      }
      await page.getByLabel("Preset", { exact: true }).selectOption("lucid-fourier-transforms");
      // The preset set the controls.
      assert.equal(await page.getByLabel("Parameterisation").inputValue(), "fourier");
      assert.ok(await page.getByLabel("Decorrelated colour").isChecked());
      assert.equal(await page.getByLabel("Pad (px)").inputValue(), "8");
      assert.equal(await page.getByLabel("Angles (°)").inputValue(), "-5, 0, 5");
      assert.equal(await page.getByLabel("Optimiser").inputValue(), "adam");

      // Back to the tiny net, lucid's small-image transforms, and SWAG on.
      await page.getByLabel("Backbone", { exact: true }).selectOption("darknet-tiny");
      await commitField(page, "Iterations", "3");
      await page.getByLabel("Transformation robustness").selectOption("lucid");
      await page.getByLabel("SWAG activation smoothing").selectOption("map");
      await page.getByLabel("Pooling").selectOption("avg");
      await page.getByLabel("Layer balance").selectOption("target");
      // A TV weight and a fourth-order TV.
      await commitField(page, "Total variation weight", "2");
      await page.getByLabel("Total variation order").selectOption("4");
      await page.getByLabel("Supersampling").selectOption("2");
      // L-BFGS with a new transform draw per step stops early: the panel says so until fixed
      // views are set, and the views keep the transforms named "lucid".
      await page.getByLabel("Optimiser").selectOption("lbfgs");
      const hint = page.getByRole("note").filter({ hasText: "L-BFGS needs one objective" });
      await hint.waitFor();
      await commitField(page, "Fixed views", "2");
      await hint.waitFor({ state: "detached" });
      assert.equal(await page.getByLabel("Transformation robustness").inputValue(), "lucid");
      // The mirrored pad makes the set custom; the Gram's activation shift.
      await page.getByLabel("Pad fill").selectOption("reflect");
      assert.equal(await page.getByLabel("Transformation robustness").inputValue(), "custom");
      await commitField(page, "Activation shift", "-1.5");
      await shot(page, "16-fixes");
      // The preset's 300 iterations must not come back with a later control's change.
      assert.equal(await page.getByLabel("Iterations", { exact: true }).inputValue(), "3");
      await runToEnd(page);
      await shot(page, "16b-fixes-run");

      await page.getByLabel("Title", { exact: true }).fill("e2e fixes");
      await page.getByRole("button", { name: "Share to gallery" }).click();
      const link = page.getByTestId("permalink");
      await link.waitFor();
      const id = (await link.getAttribute("href"))!.split("/").pop()!;
      const res = await fetch(`${server.url}/api/gallery/${id}`);
      assert.equal(res.status, 200);
      const { recipe } = await res.json();
      assert.deepEqual(recipe.param, { kind: "fourier", decorrelate: true });
      assert.equal(recipe.swag, true);
      assert.deepEqual(recipe.style, {
        loss: "gram",
        normalize: "target",
        shift: -1.5,
        projections: 64,
        iterations: 15,
      });
      assert.deepEqual(recipe.transforms, {
        pad: 4,
        padMode: "reflect",
        jitter: 4,
        scales: [0.95, 1, 1.05],
        angles: [-5, 0, 5],
        views: 2,
      });
      assert.equal(recipe.net.id, "darknet-tiny");
      assert.equal(recipe.net.pooling, "avg");
      assert.equal(recipe.optimizer.kind, "lbfgs");
      assert.equal(recipe.weights.tv, 2);
      assert.equal(recipe.tvOrder, 4);
      assert.equal(recipe.supersample, 2);

      // Reset the controls, then the remix restores them.
      await page.getByRole("button", { name: /Reset to the/ }).click();
      assert.equal(await page.getByLabel("Parameterisation").inputValue(), "pixel");
      await page.goto(`${server.url}/?remix=${id}`);
      await page.getByRole("status").filter({ hasText: "Loaded the recipe" }).waitFor();
      await page.getByText("Advanced: layers").click();
      assert.equal(await page.getByLabel("Parameterisation").inputValue(), "fourier");
      assert.equal(await page.getByLabel("SWAG activation smoothing").inputValue(), "map");
      assert.equal(await page.getByLabel("Layer balance").inputValue(), "target");
      assert.equal(await page.getByLabel("Transformation robustness").inputValue(), "custom");
      assert.equal(await page.getByLabel("Pad fill").inputValue(), "reflect");
      assert.equal(await page.getByLabel("Activation shift").inputValue(), "-1.5");
      assert.equal(await page.getByLabel("Fixed views").inputValue(), "2");
      assert.equal(await page.getByLabel("Pooling").inputValue(), "avg");
      assert.equal(await page.getByLabel("Total variation order").inputValue(), "4");
      assert.equal(await page.getByLabel("Supersampling").inputValue(), "2");
      await shot(page, "17-fixes-remix");
      // Views of transforms that move no pixel are all the same image: the panel says so.
      const still = page.getByRole("note").filter({ hasText: "none is on" });
      assert.equal(await still.count(), 0);
      const off = { "Pad (px)": "0", "Jitter (px)": "0", "Scales": "", "Angles (°)": "" };
      for (const [label, value] of Object.entries(off)) await commitField(page, label, value);
      await still.waitFor();
    });
  },
);

Deno.test("reports view lists the server's experiment reports and opens one", opts, async () => {
  const dir = await Deno.makeTempDir({ prefix: "atelier-e2e-experiments-" });
  await Deno.mkdir(join(dir, "demo-run", "images"), { recursive: true });
  // A 1x1 PNG: the report's image must load from the experiment's images/ folder.
  const png = Uint8Array.from(
    atob(
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==",
    ),
    (c) => c.charCodeAt(0),
  );
  await Deno.writeFile(join(dir, "demo-run", "images", "cell.png"), png);
  await Deno.writeTextFile(
    join(dir, "demo-run", "report.html"),
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Demo report</title></head>
<body><h1>Fake experiment report</h1><img alt="cell" src="images/cell.png"></body></html>`,
  );
  await Deno.writeTextFile(
    join(dir, "demo-run", "results.json"),
    JSON.stringify({ meta: { date: "2025-03-04T05:06:07.000Z" } }),
  );
  const server = await startServer({ experimentsDir: dir });
  const b = await launch({ webgpu: false });
  try {
    const { page } = b;
    await page.goto(server.url);
    await page.getByRole("button", { name: "Reports", exact: true }).click();
    const item = page.locator("[data-testid=reports] li[data-name=demo-run]");
    await item.waitFor();
    assert.equal(await item.locator("time").getAttribute("datetime"), "2025-03-04T05:06:07.000Z");
    await shot(page, "18-reports");
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/experiments/demo-run/report.html")),
      item.getByRole("link", { name: "demo-run" }).click(),
    ]);
    assert.equal(res.status(), 200);
    assert.match((await res.headerValue("content-security-policy"))!, /script-src 'self'/);
    await page.getByRole("heading", { name: "Fake experiment report" }).waitFor();
    assert.ok(
      await page.getByRole("img", { name: "cell" }).evaluate((i) =>
        (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth === 1
      ),
      "the report's image loaded",
    );
    await shot(page, "19-report-open");
  } finally {
    await b.close();
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});
