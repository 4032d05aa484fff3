/**
 * Experiment reports over real HTTP (a loopback server around createApp): the listing, the
 * three kinds of file with their content types and security headers, 404s, and traversal
 * attempts sent as raw request lines (fetch() would normalise `..` and `%2e%2e` away).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createApp } from "../../src/server/app.ts";
import { CSP } from "../../src/server/security.ts";
import { image, makeModels } from "./_helpers.ts";

const models = await makeModels();
const REPORT = "<!doctype html><html><body><h1>Fake report</h1></body></html>";

/** A temp root with experiments/{run-a (dated), run-b (no results.json), no-report} and a secret. */
async function makeExperiments() {
  const root = await Deno.makeTempDir({ prefix: "atelier-exp-" });
  const dir = join(root, "experiments");
  await Deno.mkdir(join(dir, "run-a", "images"), { recursive: true });
  await Deno.writeTextFile(join(dir, "run-a", "report.html"), REPORT);
  await Deno.writeTextFile(
    join(dir, "run-a", "results.json"),
    JSON.stringify({ meta: { date: "2025-01-02T03:04:05.000Z" }, cells: [] }),
  );
  await Deno.writeFile(join(dir, "run-a", "images", "a+b__net.png"), await image(4, 4));
  await Deno.mkdir(join(dir, "run-b"));
  await Deno.writeTextFile(join(dir, "run-b", "report.html"), REPORT);
  await Deno.mkdir(join(dir, "no-report"));
  await Deno.writeTextFile(join(dir, "no-report", "results.json"), "{}");
  await Deno.writeTextFile(join(root, "secret.html"), "TOP-SECRET");
  await Deno.writeTextFile(join(root, "secret.png"), "TOP-SECRET");
  // A link inside the tree that points outside it.
  await Deno.symlink(join(root, "secret.png"), join(dir, "run-a", "images", "link.png"));
  return { root, dir };
}

async function withServer(fn: (url: string, port: number) => Promise<void>) {
  const { root, dir } = await makeExperiments();
  const kv = await Deno.openKv(":memory:");
  const app = createApp({
    kv,
    modelsDir: models.modelsDir,
    clientDir: join(models.root, "none"),
    experimentsDir: dir,
  });
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    (req, info) => app.fetch(req, { remoteAddr: info.remoteAddr }),
  );
  try {
    await fn(`http://127.0.0.1:${server.addr.port}`, server.addr.port);
  } finally {
    await server.shutdown();
    kv.close();
    await Deno.remove(root, { recursive: true });
  }
}

/** Sends `GET <target>` verbatim; returns the status and the body. */
async function rawGet(port: number, target: string): Promise<{ status: number; body: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(
      new TextEncoder().encode(
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
      ),
    );
    const text = new TextDecoder().decode(
      new Uint8Array(await new Response(conn.readable).arrayBuffer()),
    );
    return { status: Number(text.match(/^HTTP\/1\.1 (\d{3})/)?.[1]), body: text };
  } catch (e) {
    conn.close();
    throw e;
  }
}

Deno.test("GET /api/experiments lists folders with a report, dated newest first", async () => {
  await withServer(async (url) => {
    const res = await fetch(`${url}/api/experiments`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /^application\/json/);
    assert.deepEqual(await res.json(), {
      experiments: [
        {
          name: "run-a",
          date: "2025-01-02T03:04:05.000Z",
          report: "/experiments/run-a/report.html",
        },
        { name: "run-b", report: "/experiments/run-b/report.html" },
      ],
    });
  });
});

Deno.test("GET /api/experiments of a missing directory is an empty list", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const app = createApp({
      kv,
      modelsDir: models.modelsDir,
      experimentsDir: join(models.root, "no-such-dir"),
    });
    const res = await app.request("/api/experiments");
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { experiments: [] });
  } finally {
    kv.close();
  }
});

Deno.test("experiment files are served with their content types and security headers", async () => {
  await withServer(async (url) => {
    const html = await fetch(`${url}/experiments/run-a/report.html`);
    assert.equal(html.status, 200);
    assert.equal(html.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(html.headers.get("content-security-policy"), CSP);
    assert.equal(html.headers.get("x-content-type-options"), "nosniff");
    assert.equal(html.headers.get("cross-origin-opener-policy"), "same-origin");
    assert.equal(await html.text(), REPORT);

    const json = await fetch(`${url}/experiments/run-a/results.json`);
    assert.equal(json.status, 200);
    assert.equal(json.headers.get("content-type"), "application/json");
    assert.equal((await json.json()).meta.date, "2025-01-02T03:04:05.000Z");

    const png = await fetch(`${url}/experiments/run-a/images/a%2Bb__net.png`);
    assert.equal(png.status, 200);
    assert.equal(png.headers.get("content-type"), "image/png");
    const bytes = new Uint8Array(await png.arrayBuffer());
    assert.deepEqual([...bytes.slice(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"

    const head = await fetch(`${url}/experiments/run-a/report.html`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-length"), String(REPORT.length));
    await head.body?.cancel();

    const post = await fetch(`${url}/experiments/run-a/report.html`, { method: "POST" });
    assert.equal(post.status, 405);
    await post.body?.cancel();
  });
});

Deno.test("missing experiments and files are 404 JSON errors", async () => {
  await withServer(async (url) => {
    for (
      const path of [
        "/experiments/nope/report.html",
        "/experiments/run-b/results.json",
        "/experiments/no-report/report.html",
        "/experiments/run-a/images/missing.png",
        "/experiments/run-a/images/a+b__net.jpg",
        "/experiments/run-a/other.html",
        "/experiments/run-a/images",
      ]
    ) {
      const res = await fetch(url + path);
      assert.equal(res.status, 404, path);
      assert.equal((await res.json()).error.code, "not_found", path);
    }
  });
});

Deno.test("experiment routes refuse traversal, encoded or not, and links out of the tree", async () => {
  await withServer(async (url, port) => {
    // Control: the raw client reaches a real file.
    assert.equal((await rawGet(port, "/experiments/run-a/images/a%2Bb__net.png")).status, 200);
    for (
      const target of [
        "/experiments/../secret.html",
        "/experiments/run-a/../../secret.html",
        "/experiments/..%2Fsecret.html/report.html",
        "/experiments/%2e%2e/report.html",
        "/experiments/%2E%2E/report.html",
        "/experiments/.%2e/report.html",
        "/experiments/%252e%252e/report.html",
        "/experiments/..%5c..%5csecret.html/report.html",
        "/experiments/run-a/images/..%2F..%2F..%2Fsecret.png",
        "/experiments/run-a/images/%2e%2e%2f%2e%2e%2f%2e%2e%2fsecret.png",
        "/experiments/run-a/images/..%252F..%252Fsecret.png",
        "/experiments/run-a/images/link.png",
        "/experiments/.hidden/report.html",
        "/experiments/run-a%00/report.html",
      ]
    ) {
      const res = await rawGet(port, target);
      assert.ok(res.status === 404 || res.status === 400, `${target}: ${res.status}`);
      assert.ok(!res.body.includes("TOP-SECRET"), target);
    }
    // The same through fetch(), which normalises dot segments first.
    const res = await fetch(`${url}/experiments/run-a/%2e%2e/%2e%2e/secret.html`);
    assert.equal(res.status, 404);
    assert.ok(!(await res.text()).includes("TOP-SECRET"));
  });
});
