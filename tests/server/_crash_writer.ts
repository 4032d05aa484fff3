/**
 * Child process for the durability test: starts a large GalleryStore.put() on the KV file given
 * as argument and prints "writing" once the pending marker is committed and the first image
 * chunks are, so the parent can SIGKILL it while chunks are being committed (checked in the
 * store itself, not timed: under load a fixed delay raced the marker's commit).
 */
import { GalleryStore } from "../../src/server/store/gallery_store.ts";
import { chunkPrefix, pendingKey } from "../../src/server/store/keys.ts";

const kv = await Deno.openKv(Deno.args[0]);
const store = new GalleryStore(kv, () => Date.now());
const ID = "crashcrashcrashcrash00";
/** Polls the store until the marker and three image chunks are down, then says "writing". */
async function announce() {
  for (;;) {
    const marker = await kv.get(pendingKey(ID));
    let chunks = 0;
    for await (const _ of kv.list({ prefix: chunkPrefix(ID, "image") }, { limit: 3 })) chunks++;
    if (marker.value && chunks >= 3) break;
    await new Promise((r) => setTimeout(r, 2));
  }
  console.log("writing");
}
announce();
// 40 MB of image bytes = 667 chunks in 67 commits: long enough to be killed in the middle.
const image = new Uint8Array(40_000_000).fill(1);
const blob = {
  type: "image/png",
  width: 1,
  height: 1,
  bytes: image.byteLength,
  chunks: 667,
  sha256: "0".repeat(64),
};
await store.put({
  record: {
    id: ID,
    title: "never finished",
    createdAt: Date.now(),
    backbone: "tiny-net",
    architecture: null,
    width: 1,
    height: 1,
    recipe: {} as never,
    tags: ["tiny-net"],
    image: blob,
    thumb: { ...blob, bytes: 1, chunks: 1 },
    tokenHash: "0".repeat(64),
    reports: 0,
    hidden: false,
  },
  image,
  thumb: new Uint8Array(1),
});
console.log("finished");
kv.close();
