/**
 * The studio's typed fields in real headless Chromium: what the user types survives a render
 * that lands before the commit (the engine starting, a download's progress), and a value the
 * recipe refuses puts the committed one back. Before CommitInput, a render between typing and
 * "change" put the old value back into the field and the commit then took it (one typed value
 * in five right after a page load).
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { SETTINGS_KEY } from "../../src/client/state/settings.ts";
import { moreOptions, openStudio, twoFrames, withStudio } from "./_harness.ts";

// playwright keeps sockets and timers of its own between calls.
const opts = { sanitizeOps: false, sanitizeResources: false };

function stored(page: Page): Promise<Record<string, unknown>> {
  return page.evaluate((k) => JSON.parse(localStorage.getItem(k) ?? "{}"), SETTINGS_KEY);
}

Deno.test(
  "a typed value survives a render before its commit, and a refused one reverts",
  opts,
  async () => {
    await withStudio({ webgpu: false }, async (server, b) => {
      const { page } = b;
      await openStudio(page, server.url);
      await moreOptions(page);
      const iterations = page.getByLabel("Iterations", { exact: true });
      const before = await iterations.inputValue();
      assert.notEqual(before, "77");

      // Type without committing, then re-render the whole studio from elsewhere (the optimiser
      // changed by script, so that the focus stays in the field, as with the engine's events).
      await iterations.fill("77");
      await page.evaluate(() => {
        const select = document.querySelector<HTMLSelectElement>("select[aria-label=Optimiser]")!;
        select.value = "adam";
        select.dispatchEvent(new Event("change", { bubbles: true }));
      });
      await page.getByLabel("Learning rate").waitFor();
      await twoFrames(page);
      assert.equal(await iterations.inputValue(), "77", "the render kept what was typed");
      await iterations.dispatchEvent("change");
      await twoFrames(page);
      const s = await stored(page);
      assert.equal(s.iterations, 77);
      assert.equal(s.optimizer, "adam", "the other change is kept too");

      // Refused values: 0 iterations, an empty style weight (not 0), scales out of range.
      for (const [label, bad] of [["Iterations", "0"], ["Style weight", ""], ["Scales", "9"]]) {
        const field = page.getByLabel(label, { exact: true });
        if (label === "Style weight") await page.locator("details.advanced > summary").click();
        const shown = await field.inputValue();
        const saved = JSON.stringify(await stored(page));
        await field.fill(bad);
        await field.dispatchEvent("change");
        await twoFrames(page);
        assert.equal(
          await field.inputValue(),
          shown,
          `${label}: "${bad}" refused, "${shown}" back`,
        );
        assert.equal(JSON.stringify(await stored(page)), saved, `${label}: settings unchanged`);
      }
    });
  },
);
