/**
 * Child process for the durability test: starts a large GalleryStore.put() on the KV file given
 * as argument and prints "writing" once the pending marker is down, so the parent can SIGKILL
 * it while chunks are being committed.
 */
import { GalleryStore } from "../../src/server/store/gallery_store.ts";

const kv = await Deno.openKv(Deno.args[0]);
let commits = 0;
const store = new GalleryStore(kv, () => {
  if (++commits === 1) setTimeout(() => console.log("writing"), 0);
  return Date.now();
});
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
    id: "crashcrashcrashcrash00",
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
