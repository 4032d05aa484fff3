/**
 * The Host header is client-written: it must never reach a page or pick a route. Raw HTTP/1.1
 * over loopback, because fetch() will not send a malformed Host.
 */
import assert from "node:assert/strict";
import { image, makeModels, serveLocal, uploadForm } from "./_helpers.ts";

const models = await makeModels();

/** Sends one request with `host` as the Host header and reads until the server closes. */
async function withHost(port: number, path: string, host: string) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const req = `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
  await conn.write(new TextEncoder().encode(req));
  const text = new TextDecoder().decode(
    new Uint8Array(await new Response(conn.readable).arrayBuffer()),
  );
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text };
}

async function upload(url: string): Promise<string> {
  const res = await fetch(`${url}/api/gallery`, {
    method: "POST",
    body: uploadForm(await image(40, 30)),
  });
  assert.equal(res.status, 201);
  return (await res.json()).id;
}

Deno.test("a malformed Host is a 400, never a 500 or another route", async () => {
  const s = await serveLocal(models);
  try {
    const id = await upload(s.url);
    for (const host of ["<x>", "a b", "x:99999", "x@y", "127.0.0.1/api/models?"]) {
      const r = await withHost(s.port, `/g/${id}`, host);
      assert.equal(r.status, 400, `${host}: ${r.text.slice(0, 300)}`);
      assert.match(r.text, /"code":"bad_request"/, host);
      // "127.0.0.1/api/models?" used to make /api/models answer a request for /g/<id>.
      assert.ok(!r.text.includes("tiny-net"), host);
    }
    const ok = await withHost(s.port, `/g/${id}`, `127.0.0.1:${s.port}`);
    assert.equal(ok.status, 200);
  } finally {
    await s.close();
  }
});

Deno.test("permalink pages use the configured public URL, not the Host", async () => {
  const s = await serveLocal(models, { publicUrl: "https://atelier.example/" });
  try {
    const id = await upload(s.url);
    const r = await withHost(s.port, `/g/${id}`, "evil.example");
    assert.equal(r.status, 200);
    assert.ok(!r.text.includes("evil.example"), "the Host is not written into the page");
    const page = `https://atelier.example/g/${id}`;
    assert.ok(r.text.includes(`<meta property="og:url" content="${page}">`));
    assert.ok(r.text.includes(`<link rel="canonical" href="${page}">`));
    assert.ok(
      r.text.includes(
        `<meta property="og:image" content="https://atelier.example/api/gallery/${id}/image">`,
      ),
    );
  } finally {
    await s.close();
  }
});

Deno.test("without a public URL, a valid Host is the origin of the page's links", async () => {
  const s = await serveLocal(models);
  try {
    const id = await upload(s.url);
    const r = await withHost(s.port, `/g/${id}`, "atelier.test:8080");
    assert.equal(r.status, 200);
    assert.ok(r.text.includes(`<link rel="canonical" href="http://atelier.test:8080/g/${id}">`));
  } finally {
    await s.close();
  }
});
