/**
 * Engine speed in the browser (issue 13): the threaded WASM backend under the production CSP,
 * and the /bench page. Headless Chromium against the real server; tiny sizes.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { CSP } from "../../src/server/security.ts";
import type { BenchReport } from "../../src/client/bench_protocol.ts";
import { openStudio, runToEnd, shot, tinySetup, withStudio } from "./_harness.ts";

// playwright keeps sockets and timers of its own between calls.
const opts = { sanitizeOps: false, sanitizeResources: false };

/** Console lines about loads the CSP blocked or pthread workers that failed, from page and workers. */
function watchConsole(page: Page): string[] {
  const bad: string[] = [];
  const check = (text: string) => {
    if (/Content Security Policy|Refused to|importScripts|worker sent an error/i.test(text)) {
      bad.push(text);
    }
  };
  page.on("console", (m) => check(m.text()));
  page.on("pageerror", (e) => check(e.message));
  page.on("worker", (w) => w.on("console", (m) => check(m.text())));
  return bad;
}

Deno.test(
  "studio runs WASM with more than one thread under the production CSP and stylizes",
  opts,
  async () => {
    await withStudio({ webgpu: false }, async (server, b) => {
      const { page } = b;
      const bad = watchConsole(page);
      const res = await page.goto(server.url);
      // The page is served with the production CSP (no blob: scripts) and isolated, which
      // SharedArrayBuffer, and so WASM threads, need.
      assert.equal(res?.headers()["content-security-policy"], CSP);
      assert.ok(!/(script|worker)-src[^;]*blob:/.test(CSP), CSP);
      assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), true);
      assert.equal(await openStudio(page, server.url, "?backend=wasm"), "wasm");
      const note = await page.getByTestId("backend").textContent();
      const threads = Number(note?.match(/(\d+) threads/)?.[1] ?? 1);
      // One per logical core, up to tfjs's pool of 8; this machine's Chromium reports >= 2.
      const cores = await page.evaluate(() => navigator.hardwareConcurrency);
      assert.equal(threads, Math.min(8, cores), note ?? "");
      assert.ok(threads > 1, note ?? "");
      await tinySetup(page, { size: 48, iterations: 6 });
      const { first, last } = await runToEnd(page);
      assert.ok(last < first, `loss ${first} -> ${last}`);
      await shot(page, "speed-wasm-threads");
      assert.deepEqual(bad, []);
    });
  },
);

Deno.test(
  "bench page fills its table on WASM and WebGPU (SwiftShader) and prints parseable JSON",
  opts,
  async () => {
    await withStudio({ webgpu: true }, async (server, b) => {
      const { page } = b;
      const bad = watchConsole(page);
      await page.goto(
        `${server.url}/?view=bench&nets=darknet-tiny&sizes=64&evals=1&backends=webgpu,wasm`,
      );
      await page.getByRole("button", { name: "Run benchmark" }).click();
      await page.locator("[data-testid=bench-report][data-status=done]").waitFor({
        timeout: 180_000,
      });
      const report = JSON.parse(
        await page.getByTestId("bench-json").textContent() ?? "",
      ) as BenchReport;
      assert.deepEqual(report.devices.map((d) => [d.backend, d.ok]), [
        ["webgpu", true],
        ["wasm", true],
      ]);
      assert.match(report.devices[0].adapter ?? "", /\S/);
      assert.ok((report.devices[1].threads ?? 0) > 1);
      assert.equal(report.rows.length, 2);
      for (const r of report.rows) {
        assert.equal(r.status, "ok", r.note);
        // 64 px at the bench aspect (451x300): 64x43.
        assert.deepEqual(r.shape, [1, 43, 64, 3]);
        assert.ok(r.msPerEval! > 0 && r.gflops! > 0 && r.peakBytes! > 0, JSON.stringify(r));
      }
      // The table shows the same rows, and the JSON downloads.
      assert.equal(
        await page.locator("[data-testid=bench-table] tbody tr[data-status=ok]").count(),
        2,
      );
      const download = page.waitForEvent("download");
      await page.getByRole("link", { name: "Download JSON" }).click();
      const path = await (await download).path();
      assert.deepEqual(JSON.parse(await Deno.readTextFile(path)).rows.length, 2);
      await shot(page, "speed-bench");
      assert.deepEqual(bad, []);
    });
  },
);
