/** ModelCache: loads and runs are serialised, so a load never disposes a network in use. */
import assert from "node:assert/strict";
import { type CachedNet, ModelCache } from "../../src/client/model_cache.ts";

interface FakeNet extends CachedNet {
  disposed: boolean;
}

function fakeLoader(log: string[]) {
  return (id: string, head: boolean): Promise<FakeNet> => {
    log.push(`load ${id}${head ? "+head" : ""}`);
    const net: FakeNet = {
      id,
      hasHead: head,
      disposed: false,
      dispose() {
        log.push(`dispose ${id}`);
        net.disposed = true;
      },
    };
    return Promise.resolve(net);
  };
}

Deno.test("ModelCache.load() during a run waits for the run before disposing its network", async () => {
  const log: string[] = [];
  const cache = new ModelCache(fakeLoader(log));
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let seenDisposed: boolean | undefined;
  const run = cache.use("a", false, async (net) => {
    await gate;
    // The run still owns "a": the concurrent load of "b" must not have disposed it.
    seenDisposed = net.disposed;
    log.push("run a done");
  });
  const load = cache.load("b");
  // Let every queued microtask and a macrotask pass while the run is blocked.
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(log, ["load a"], "the load of b started while a was running");
  release();
  await run;
  const b = await load;
  assert.equal(seenDisposed, false);
  assert.equal(b.id, "b");
  assert.deepEqual(log, ["load a", "run a done", "load b", "dispose a"]);
  await cache.dispose();
  assert.equal(b.disposed, true);
});

Deno.test("ModelCache.use() reuses the loaded network and reloads only for a missing head", async () => {
  const log: string[] = [];
  const cache = new ModelCache(fakeLoader(log));
  await cache.load("a");
  await cache.use("a", false, () => Promise.resolve());
  assert.deepEqual(log, ["load a"]);
  await cache.use("a", true, (n) => Promise.resolve(assert.equal(n.hasHead, true)));
  assert.deepEqual(log, ["load a", "load a+head", "dispose a"]);
});

Deno.test("ModelCache keeps serving after a failed load or a failed run", async () => {
  const log: string[] = [];
  const ok = fakeLoader(log);
  const cache = new ModelCache((id, head) =>
    id === "bad" ? Promise.reject(new Error("no such model")) : ok(id, head)
  );
  await assert.rejects(() => cache.load("bad"), /no such model/);
  await assert.rejects(
    () => cache.use("a", false, () => Promise.reject(new Error("boom"))),
    /boom/,
  );
  const a = await cache.load("a");
  assert.equal(a.id, "a");
  assert.deepEqual(log, ["load a"]);
});
