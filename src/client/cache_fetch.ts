/**
 * A fetch for loadNet() that reads weight shards through Cache Storage. Shard names carry
 * their content hash, so a cached shard is always the right one: cache-first, and a second
 * visit downloads no weights. Manifests are small and mutable: always from the network.
 */

const CACHE = "atelier-models-v1";

function isShard(url: URL): boolean {
  return url.pathname.startsWith("/models/") && url.pathname.endsWith(".bin");
}

/** fetch() that serves shards from Cache Storage, storing them on first download. */
export const cachedFetch: typeof fetch = async (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input), location.href);
  if (!isShard(url) || typeof caches === "undefined") return fetch(input, init);
  const cache = await caches.open(CACHE);
  const hit = await cache.match(url);
  if (hit) return hit;
  const res = await fetch(url, init);
  if (res.ok) await cache.put(url, res.clone());
  return res;
};

/** Drops a shard from the cache (after it failed verification). */
export async function evict(url: string): Promise<void> {
  if (typeof caches === "undefined") return;
  await (await caches.open(CACHE)).delete(url);
}
