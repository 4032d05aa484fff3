/** Bad model files are refused with an error naming the file, and leave no tensors behind. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { setupTf, tf } from "../../_tf.ts";
import { loadNet, ModelLoadError } from "../../../src/shared/nets/loader.ts";
import { encodeHalf, fromHalf, toHalf } from "../../../src/shared/nets/_float16.ts";
import { packSource } from "./_sources.ts";

async function withModel(fn: (dir: string, url: URL, shard: string) => Promise<void>) {
  await setupTf();
  const { dir, url, packed } = await packSource("darknet-tiny", "float16");
  try {
    const before = tf.memory().numTensors;
    await fn(dir, url, packed.manifest.shards[0].path);
    assert.equal(tf.memory().numTensors, before, "a failed load left tensors behind");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("loadNet() rejects a corrupted shard, naming the file and the expected sha256", async () => {
  await withModel(async (dir, url, shard) => {
    const bytes = await Deno.readFile(join(dir, shard));
    bytes[1000] ^= 0xff;
    await Deno.writeFile(join(dir, shard), bytes);
    await assert.rejects(() => loadNet(url), (e: Error) => {
      assert.ok(e instanceof ModelLoadError);
      assert.match(
        e.message,
        new RegExp(`${shard}: sha256 is [0-9a-f]{64}, expected [0-9a-f]{64}`),
      );
      return true;
    });
  });
});

Deno.test("loadNet() rejects a wrong-size shard with its actual and expected sizes", async () => {
  await withModel(async (dir, url, shard) => {
    const bytes = await Deno.readFile(join(dir, shard));
    await Deno.writeFile(join(dir, shard), bytes.slice(0, bytes.length - 10));
    await assert.rejects(
      () => loadNet(url),
      new RegExp(`${shard}: is ${bytes.length - 10} bytes, expected ${bytes.length}`),
    );
  });
});

Deno.test("loadNet() rejects a missing shard naming it", async () => {
  await withModel(async (dir, url, shard) => {
    await Deno.remove(join(dir, shard));
    await assert.rejects(() => loadNet(url), new RegExp(`${shard}: could not be fetched`));
  });
});

Deno.test("loadNet() rejects a manifest that does not match its shards", async () => {
  await withModel(async (dir, url) => {
    const path = join(dir, "manifest.json");
    const m = JSON.parse(await Deno.readTextFile(path));
    m.weights[0].shape = [m.weights[0].shape[0] + 1, ...m.weights[0].shape.slice(1)];
    await Deno.writeTextFile(path, JSON.stringify(m));
    await assert.rejects(
      () => loadNet(url),
      /manifest\.json: the body weights need \d+ bytes but its shards hold \d+ bytes/,
    );
    m.format = "something-else";
    await Deno.writeTextFile(path, JSON.stringify(m));
    await assert.rejects(() => loadNet(url), /not a valid atelier-net manifest: format/);
  });
});

Deno.test("Net.forward() names an unknown layer and lists the valid ones", async () => {
  await withModel(async (_dir, url) => {
    const net = await loadNet(url);
    const image = tf.zeros([1, 64, 64, 3]) as tf.Tensor4D;
    assert.throws(
      () => net.forward(image, ["conv99"]),
      /Unknown layer "conv99" for network darknet-tiny: expected one of conv1, conv2/,
    );
    assert.throws(() => net.forward(image, ["logits"]), /needs the classifier head/);
    const small = tf.zeros([1, 16, 64, 3]) as tf.Tensor4D;
    assert.throws(() => net.forward(small, ["conv1"]), /is 64x16: networks need at least 32 px/);
    tf.dispose([image, small]);
    net.dispose();
  });
});

Deno.test("Net with pooling avg replaces max pooling and changes deeper features only", async () => {
  await withModel(async (_dir, url) => {
    const max = await loadNet(url);
    const avg = await loadNet(url, { pooling: "avg" });
    const image = tf.randomUniform([1, 64, 64, 3], 0, 1, "float32", 7) as tf.Tensor4D;
    const a = max.forward(image, ["conv1", "conv2"]);
    const b = avg.forward(image, ["conv1", "conv2"]);
    // conv1 comes before the first pooling: identical; conv2 reads a pooled map: different.
    const diff = (x: tf.Tensor, y: tf.Tensor) =>
      tf.tidy(() => tf.max(tf.abs(tf.sub(x, y))).arraySync() as number);
    assert.equal(diff(a.conv1, b.conv1), 0);
    assert.ok(diff(a.conv2, b.conv2) > 1e-3);
    tf.dispose([image, Object.values(a), Object.values(b)]);
    max.dispose();
    avg.dispose();
  });
});

Deno.test("toHalf() encodes known values exactly and fromHalf() inverts it", () => {
  // IEEE 754 binary16: 1 = 0x3c00, -2 = 0xc000, 65504 (max) = 0x7bff, 2^-24 (min subnormal) =
  // 0x0001, 1/3 rounds to 0x3555 (0.333251953125), 70000 overflows to +Inf = 0x7c00.
  const cases: [number, number][] = [
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [2 ** -24, 1],
    [
      1 / 3,
      0x3555,
    ],
    [70000, 0x7c00],
    [0, 0],
  ];
  for (const [v, bits] of cases) assert.equal(toHalf(v), bits, `toHalf(${v})`);
  const back = fromHalf(encodeHalf(new Float32Array([1, -2, 65504, 1 / 3])));
  assert.deepEqual(Array.from(back), [1, -2, 65504, 0.333251953125]);
});
