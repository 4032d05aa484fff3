/**
 * Abuse controls through app.request(): cross-site writes, the client address behind a proxy,
 * write limits shared through KV, and reports as a review queue that the owner or the admin
 * can undo.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type AppDeps, createApp } from "../../src/server/app.ts";
import { KvRateLimiter } from "../../src/server/rate_limit.ts";
import { image, makeModels, uploadForm } from "./_helpers.ts";

const models = await makeModels();
const ADMIN = "admin-secret-0123456789";

function app(kv: Deno.Kv, deps: Partial<AppDeps> = {}) {
  return createApp({
    kv,
    modelsDir: models.modelsDir,
    clientDir: join(models.root, "none"),
    adminToken: ADMIN,
    ...deps,
  });
}

async function upload(a: ReturnType<typeof app>, headers: HeadersInit = {}) {
  const res = await a.request("/api/gallery", {
    method: "POST",
    body: uploadForm(await image(20, 20)),
    headers,
  });
  return { status: res.status, body: await res.json() };
}

Deno.test("cross-site writes are refused; same-origin and header-less ones pass", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const a = app(kv);
    // app.request() URLs are http://localhost/...
    for (
      const headers of [
        { origin: "https://evil.example" },
        { origin: "null" },
        { "sec-fetch-site": "cross-site" },
        { "sec-fetch-site": "same-site", origin: "http://localhost" },
      ] as Record<string, string>[]
    ) {
      const up = await upload(a, headers);
      assert.equal(up.status, 403, JSON.stringify(headers));
      assert.equal(up.body.error.code, "forbidden");
    }
    const same = await upload(a, { origin: "http://localhost", "sec-fetch-site": "same-origin" });
    assert.equal(same.status, 201);
    const cli = await upload(a);
    assert.equal(cli.status, 201);
    const report = await a.request(`/api/gallery/${cli.body.id}/report`, {
      method: "POST",
      headers: { origin: "https://evil.example" },
    });
    assert.equal(report.status, 403);
  } finally {
    kv.close();
  }
});

Deno.test("with trustProxy, the client is the last X-Forwarded-For hop", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const a = app(kv, { trustProxy: true, limits: { reportsToHide: 2 } });
    const { body } = await upload(a);
    // The client writes the first hops; our proxy appends the address it saw (203.0.113.9).
    const report = async (xff: string) =>
      await (await a.request(`/api/gallery/${body.id}/report`, {
        method: "POST",
        headers: { "x-forwarded-for": xff },
      })).json();
    assert.deepEqual(await report("1.1.1.1, 203.0.113.9"), { reported: true, hidden: false });
    // A forged first hop does not make a second reporter: still one client.
    assert.deepEqual(await report("2.2.2.2, 203.0.113.9"), { reported: false, hidden: false });
    assert.deepEqual(await report("1.1.1.1, 198.51.100.7"), { reported: true, hidden: true });
  } finally {
    kv.close();
  }
});

Deno.test("two app instances on one KV share one write limit", async () => {
  const path = join(await Deno.makeTempDir(), "shared.kv");
  const kv1 = await Deno.openKv(path);
  const kv2 = await Deno.openKv(path);
  try {
    const limits = { writesPerMinute: 3 };
    const now = () => 1_000_000; // one window for all four writes
    const [a, b] = [app(kv1, { limits, now }), app(kv2, { limits, now })];
    // A DELETE without a token costs a write and then fails with 403: 3 of them fill the minute.
    const del = async (x: ReturnType<typeof app>) =>
      (await x.request(`/api/gallery/${"A".repeat(22)}`, { method: "DELETE" })).status;
    assert.deepEqual([await del(a), await del(b), await del(a)], [403, 403, 403]);
    const limited = await b.request(`/api/gallery/${"A".repeat(22)}`, { method: "DELETE" });
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get("retry-after")) >= 1);
    await limited.body?.cancel();
  } finally {
    kv1.close();
    kv2.close();
  }
});

Deno.test("KvRateLimiter.take() counts per client and minute and resets in the next window", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    let t = 120_000 + 45_000; // 45 s into a window
    const limiter = new KvRateLimiter(kv, { perMinute: 2, now: () => t });
    assert.equal(await limiter.take("a"), 0);
    assert.equal(await limiter.take("a"), 0);
    assert.equal(await limiter.take("a"), 15); // the window ends 15 s later
    assert.equal(await limiter.take("b"), 0); // another client has its own count
    t = 180_000; // the next window
    assert.equal(await limiter.take("a"), 0);
    // Concurrent takes do not overshoot: 10 at once, 2 allowed.
    const c = await Promise.all(Array.from({ length: 10 }, () => limiter.take("c")));
    assert.equal(c.filter((w) => w === 0).length, 2);
  } finally {
    kv.close();
  }
});

Deno.test("reports hide an entry into a review queue; the owner or the admin un-hides it", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const a = app(kv, { trustProxy: true, limits: { reportsToHide: 2 } });
    const { body } = await upload(a);
    const id = body.id;
    for (const ip of ["198.51.100.1", "198.51.100.2"]) {
      await (await a.request(`/api/gallery/${id}/report`, {
        method: "POST",
        headers: { "x-forwarded-for": ip },
      })).body?.cancel();
    }
    const listed = async () => (await (await a.request("/api/gallery")).json()).items.length;
    assert.equal(await listed(), 0);
    assert.equal((await a.request(`/api/gallery/${id}`)).status, 404);

    const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
    const queue = async (t: string) => await a.request("/api/admin/review", { headers: bearer(t) });
    assert.equal((await queue("wrong")).status, 403);
    const q = await (await queue(ADMIN)).json();
    assert.deepEqual(q.items.map((i: { id: string; reports: number }) => [i.id, i.reports]), [
      [id, 2],
    ]);
    // The admin sees the hidden image to review it; the public does not.
    assert.equal(
      (await a.request(`/api/gallery/${id}/image`, { headers: bearer(ADMIN) })).status,
      200,
    );

    const unhide = async (t: string) =>
      await a.request(`/api/gallery/${id}/unhide`, { method: "POST", headers: bearer(t) });
    assert.equal((await unhide("x".repeat(43))).status, 403);
    const owner = await unhide(body.deleteToken);
    assert.equal(owner.status, 200);
    assert.deepEqual(await owner.json(), { hidden: false, restored: true });
    assert.equal(await listed(), 1);
    assert.deepEqual((await (await queue(ADMIN)).json()).items, []);
    // The same two reporters cannot hide it again.
    const again = await a.request(`/api/gallery/${id}/report`, {
      method: "POST",
      headers: { "x-forwarded-for": "198.51.100.1" },
    });
    assert.deepEqual(await again.json(), { reported: false, hidden: false });

    // Two new reporters hide it again; this time the admin restores it, then deletes it.
    for (const ip of ["198.51.100.3", "198.51.100.4"]) {
      await (await a.request(`/api/gallery/${id}/report`, {
        method: "POST",
        headers: { "x-forwarded-for": ip },
      })).body?.cancel();
    }
    assert.equal(await listed(), 0);
    assert.equal((await unhide(ADMIN)).status, 200);
    assert.equal(await listed(), 1);
    const del = await a.request(`/api/gallery/${id}`, { method: "DELETE", headers: bearer(ADMIN) });
    assert.equal(del.status, 200);
    assert.equal(await listed(), 0);
    assert.equal((await unhide(ADMIN)).status, 404);
  } finally {
    kv.close();
  }
});
