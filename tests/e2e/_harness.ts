/**
 * End-to-end harness: builds the client, starts the real server on a free loopback port with a
 * temporary KV store and the real static/models, and launches headless Debian Chromium via
 * playwright-core. Everything started here is stopped by the returned close().
 */
import assert from "node:assert/strict";
import axe from "axe-core";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { buildClient } from "../../scripts/build_client.ts";

export const ROOT = new URL("../../", import.meta.url);
export const SHARED = new URL("../shared/", ROOT);
export const ARTIFACTS = new URL("test-artifacts/e2e/", ROOT);
export const CHROMIUM = Deno.env.get("ATELIER_CHROMIUM") ?? "/usr/bin/chromium";
const BASE_ARGS = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
  "--disable-quic",
];

export interface Server {
  url: string;
  close(): Promise<void>;
}

/** Options of startServer(). */
export interface ServerOptions {
  /** Passed as --experiments-dir (default: the server's own, experiments/). */
  experimentsDir?: string;
}

/** Starts src/server/main.ts (or $ATELIER_E2E_SERVER) on a free port; resolves once it prints its URL. */
export async function startServer(opts: ServerOptions = {}): Promise<Server> {
  await buildClient();
  const tmp = await Deno.makeTempDir({ prefix: "atelier-e2e-" });
  const proc = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      Deno.env.get("ATELIER_E2E_SERVER") ?? "src/server/main.ts",
      "--port",
      "0",
      "--hostname",
      "127.0.0.1",
      "--kv-path",
      `${tmp}/e2e.kv`,
      ...(opts.experimentsDir ? ["--experiments-dir", opts.experimentsDir] : []),
    ],
    cwd: new URL(ROOT).pathname,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const decoder = new TextDecoder();
  let log = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not start in 60 s:\n${log}`)),
      60_000,
    );
    const read = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream) {
        log += decoder.decode(chunk);
        // main.ts prints {"event":"listening","hostname":...,"port":N}.
        const m = log.match(/"port":\s*(\d+)/) ?? log.match(/http:\/\/127\.0\.0\.1:(\d+)/);
        if (m) {
          clearTimeout(timer);
          resolve(`http://127.0.0.1:${m[1]}`);
        }
      }
    };
    read(proc.stdout);
    read(proc.stderr);
    proc.status.then((s) => reject(new Error(`server exited with ${s.code}:\n${log}`)));
  });
  return {
    url,
    async close() {
      try {
        proc.kill("SIGTERM");
      } catch {
        // Already gone.
      }
      await proc.status;
      await Deno.remove(tmp, { recursive: true }).catch(() => undefined);
    },
  };
}

export interface Browsing {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** Launches Chromium with (or without) its software WebGPU adapter and opens a page. */
export async function launch(opts: { webgpu: boolean }): Promise<Browsing> {
  const userDataDir = await Deno.makeTempDir({ prefix: "atelier-chromium-" });
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: opts.webgpu ? [...BASE_ARGS, "--enable-unsafe-webgpu"] : BASE_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  const page = context.pages()[0] ?? await context.newPage();
  const log: string[] = [];
  PAGE_LOGS.set(page, log);
  page.on("console", (m) => log.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => log.push(`pageerror: ${e.message}`));
  return {
    browser: context.browser()!,
    context,
    page,
    async close() {
      await context.close();
      await Deno.remove(userDataDir, { recursive: true }).catch(() => undefined);
    },
  };
}

/** Each launched page's console messages and uncaught errors, for a failure to report. */
const PAGE_LOGS = new WeakMap<Page, string[]>();

/** Saves a screenshot under test-artifacts/e2e/. */
export async function shot(page: Page, name: string): Promise<void> {
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, ARTIFACTS).pathname, fullPage: true });
}

export const CONTENT = new URL("images/content/chelsea.png", SHARED).pathname;
export const STYLE = new URL("images/style/starry_night.jpg", SHARED).pathname;

/** Opens the studio and waits for the engine to report its backend. */
export async function openStudio(page: Page, base: string, query = ""): Promise<string> {
  await page.goto(`${base}/${query}`);
  const badge = page.getByTestId("backend");
  await badge.and(page.locator("[data-backend]:not([data-backend=''])")).waitFor({
    timeout: 60_000,
  });
  return (await badge.getAttribute("data-backend"))!;
}

/** Opens the studio's "More options" (the settings) unless it is open. */
export async function moreOptions(page: Page): Promise<void> {
  const details = page.locator("details.more-options");
  if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open))) {
    await details.locator("summary").first().click();
  }
}

/** Waits two animation frames: a state update and its render have landed. */
export function twoFrames(page: Page): Promise<unknown> {
  return page.evaluate(() =>
    new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))
  );
}

/**
 * Types `value` into the field labelled `label`, commits it (the studio's fields take their value
 * on "change") and waits two frames for the render; throws if the field does not then show it.
 */
export async function commitField(page: Page, label: string, value: string): Promise<void> {
  const field = page.getByLabel(label, { exact: true });
  await field.fill(value);
  await field.dispatchEvent("change");
  await twoFrames(page);
  const shown = await field.inputValue();
  if (shown !== value) throw new Error(`${label}: committed "${value}", shows "${shown}"`);
}

/** Sets a tiny, fast recipe on darknet-tiny under "More options". */
export async function tinySettings(
  page: Page,
  opts: { size?: number; iterations?: number } = {},
): Promise<void> {
  await moreOptions(page);
  await page.getByLabel("Backbone", { exact: true }).selectOption("darknet-tiny");
  await commitField(page, "Output size (px, long side)", String(opts.size ?? 48));
  await commitField(page, "Iterations", String(opts.iterations ?? 10));
}

/** Sets the inputs from files and a tiny, fast recipe on darknet-tiny. */
export async function tinySetup(page: Page, opts: { size?: number; iterations?: number } = {}) {
  await page.getByLabel("Content image", { exact: true }).setInputFiles(CONTENT);
  await page.getByLabel("Style images", { exact: true }).setInputFiles(STYLE);
  await tinySettings(page, opts);
}

/** Clicks Paint and waits for the run to finish; returns the first and last displayed loss. */
export async function runToEnd(page: Page, timeout = 120_000) {
  await page.getByRole("button", { name: "Paint", exact: true }).click();
  const status = page.getByTestId("status");
  await page.locator("[data-testid=status][data-status=running]").waitFor({ timeout: 10_000 });
  try {
    await page.locator("[data-testid=status][data-status=idle]").waitFor({ timeout });
  } catch (e) {
    // Say where the run stood and what the page logged, and keep a picture of it.
    await shot(page, "run-to-end-timeout").catch(() => undefined);
    const where = await status.textContent().catch(() => "(no status)");
    const log = (PAGE_LOGS.get(page) ?? []).slice(-20).join("\n");
    throw new Error(`${(e as Error).message}\nstatus: ${where}\npage log:\n${log}`);
  }
  const loss = status.getByTestId("loss");
  return {
    first: Number(await loss.getAttribute("data-first")),
    last: Number(await loss.textContent()),
  };
}

/** The bytes a download button of the result saves ("Download PNG", "Download recipe JSON"). */
export async function download(
  page: Page,
  button: "Download PNG" | "Download recipe JSON",
): Promise<Uint8Array> {
  const [dl] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: button }).click(),
  ]);
  return await Deno.readFile((await dl.path())!);
}

/** The preview canvas as a data URL. */
export function previewData(page: Page): Promise<string> {
  return page.getByTestId("preview").evaluate((c) => (c as HTMLCanvasElement).toDataURL());
}

/** Runs axe-core in the page; fails on any serious or critical violation, naming them. */
export async function axeCheck(page: Page, where: string): Promise<void> {
  // evaluate() goes through the DevTools protocol, which the page's CSP does not govern.
  if (!(await page.evaluate(() => "axe" in globalThis))) {
    await page.evaluate((axe as unknown as { source: string }).source);
  }
  const result = await page.evaluate(async () => {
    // deno-lint-ignore no-explicit-any
    const r = await (globalThis as any).axe.run(document, {
      resultTypes: ["violations"],
    });
    return {
      passes: r.passes.length as number,
      // deno-lint-ignore no-explicit-any
      violations: r.violations.map((v: any) => ({
        id: v.id,
        impact: v.impact,
        // deno-lint-ignore no-explicit-any
        targets: v.nodes.slice(0, 3).map((n: any) => n.target.join(" ")),
      })),
    };
  });
  // axe really ran over the page: it passed rules on it too.
  assert.ok(result.passes > 5, `axe-core checked ${where}: ${result.passes} rules passed`);
  const bad = result.violations.filter((v: { impact: string }) =>
    v.impact === "serious" || v.impact === "critical"
  );
  assert.equal(bad.length, 0, `axe-core on ${where}: ${JSON.stringify(bad)}`);
}

/**
 * Starts the server and a browser, runs `fn` with both, and closes both whatever happens (the
 * scaffolding of every browser test).
 */
export async function withStudio(
  opts: { webgpu: boolean } & ServerOptions,
  fn: (server: Server, b: Browsing) => Promise<void>,
): Promise<void> {
  const { webgpu, ...serverOpts } = opts;
  const server = await startServer(serverOpts);
  try {
    const b = await launch({ webgpu });
    try {
      await fn(server, b);
    } finally {
      await b.close();
    }
  } finally {
    await server.close();
  }
}
