/** Feature visualisation on the real ResNet-50 (class logit) and Darknet-tiny (channel). */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { setupTf, tf } from "../_tf.ts";
import { ROOT } from "../_images.ts";
import { loadNet } from "../../src/shared/nets/loader.ts";
import { visualize } from "../../src/shared/featurevis.ts";
import { collect as drain } from "../_run.ts";

Deno.test("visualize() of a ResNet-50 class logit raises it until the net sees that class", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const net = await loadNet(pathToFileURL(join(ROOT, "static/models/resnet50/manifest.json")), {
    groups: ["body", "head"],
  });
  try {
    const cls = net.manifest.labels!.indexOf("goldfish");
    assert.ok(cls >= 0);
    const { events, result } = await drain(visualize(net, { layer: "logits", channel: cls }, {
      size: 64,
      iterations: 30,
      param: { kind: "fourier", decorrelate: true },
      transforms: { pad: 2, jitter: 2, scales: [], angles: [] },
      learningRate: 0.1,
      previewEvery: 0,
    }));
    assert.ok(
      events.at(-1)!.activation > events[0].activation + 5,
      `logit ${events[0].activation} -> ${events.at(-1)!.activation}`,
    );
    const top = tf.tidy(() =>
      tf.argMax(tf.reshape(net.forward(result.image, ["logits"]).logits, [-1]))
    );
    assert.equal((await top.data())[0], cls, "the visualisation is not classified as goldfish");
    tf.dispose([top, result.image]);
  } finally {
    net.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("visualize() of a Darknet channel raises its mean activation and rejects bad targets", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const net = await loadNet(pathToFileURL(join(ROOT, "static/models/darknet-tiny/manifest.json")));
  try {
    const { events, result } = await drain(visualize(net, { layer: "conv6", channel: 3 }, {
      size: 48,
      iterations: 10,
      previewEvery: 5,
    }));
    assert.ok(events[9].activation > events[0].activation);
    assert.equal(events[4].preview?.width, 48);
    result.image.dispose();
    await assert.rejects(
      () => visualize(net, { layer: "conv6", channel: 999 }, { size: 48, iterations: 1 }).next(),
      /Channel 999 is out of range: layer conv6 has 128/,
    );
    await assert.rejects(
      () => visualize(net, { layer: "nope", channel: 0 }).next(),
      /Unknown layer "nope"/,
    );
  } finally {
    net.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
});
