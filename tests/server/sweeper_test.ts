/**
 * startSweeper(): an upload abandoned by a crash just before a restart is too young for the
 * startup sweep, and must go once it is old enough while the server keeps running.
 */
import assert from "node:assert/strict";
import { GalleryStore } from "../../src/server/store/gallery_store.ts";
import { chunkPrefix, pendingKey } from "../../src/server/store/keys.ts";
import { startSweeper } from "../../src/server/sweeper.ts";

Deno.test("startSweeper() removes an abandoned upload once it is old enough, then stops", async () => {
  const kv = await Deno.openKv(":memory:");
  let t = 0;
  const store = new GalleryStore(kv, () => t);
  try {
    // What a writer killed mid-upload leaves: its pending marker and one chunk.
    const id = "abandonedabandoned0000";
    await kv.set(pendingKey(id), { startedAt: 0 });
    await kv.set([...chunkPrefix(id, "image"), 0], new Uint8Array(10));
    // The "restart": the startup sweep keeps it, it is younger than maxAgeMs.
    assert.equal(await store.sweep(1000), 0);
    const sweeper = startSweeper(store, { intervalMs: 5, maxAgeMs: 1000 });
    try {
      await new Promise((r) => setTimeout(r, 50));
      assert.ok((await store.census()).pending, "still too young after a few sweeps");
      t = 1000; // now old enough
      const deadline = Date.now() + 3000;
      while ((await store.census()).pending && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.deepEqual(await store.census(), {});
    } finally {
      // The test sanitizer fails the test if stop() left the interval running.
      await sweeper.stop();
    }
  } finally {
    kv.close();
  }
});
