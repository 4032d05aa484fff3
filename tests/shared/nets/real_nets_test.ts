/**
 * The real networks: our forward pass against the source tfjs layers-model (loaded with
 * tfjs-layers for this comparison only) at every exposed layer, float16 against float32, and
 * classification of known photos with the installed models.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { setupTf, tf } from "../../_tf.ts";
import { loadImage, ROOT, sharedImage } from "../../_images.ts";
import { loadNet } from "../../../src/shared/nets/loader.ts";
import { packSource, readSource, relError } from "./_sources.ts";

/** Source-model input for a [0, 1] RGB image, written out by hand from ../shared/README.md. */
function sourceInput(arch: string, rgb01: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const x255 = tf.mul(rgb01, 255);
    if (arch === "resnet50") {
      // Keras "caffe": RGB -> BGR, subtract [103.939, 116.779, 123.68] on 0-255.
      return tf.sub(tf.reverse(x255, -1), tf.tensor1d([103.939, 116.779, 123.68]));
    }
    // Darknet: x / 255. MobileNet: x / 127.5 - 1.
    return arch === "darknet-tiny" ? tf.div(x255, 255) : tf.sub(tf.div(x255, 127.5), 1);
  });
}

for (const arch of ["darknet-tiny", "mobilenet-v1", "resnet50"]) {
  Deno.test(`loadNet() ${arch} matches the source layers-model at every exposed layer within 1e-3`, async () => {
    await setupTf();
    const { json, model } = await readSource(arch);
    const weightSpecs = (json as { weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] })
      .weightsManifest.flatMap((g) => g.weights);
    const weightData = new Float32Array(
      weightSpecs.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0),
    );
    let at = 0;
    for (const w of weightSpecs) {
      const t = model.weights.get(w.name)!;
      weightData.set(t.data, at);
      at += t.data.length;
    }
    const before = tf.memory().numTensors;
    const source = await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: (json as { modelTopology: object }).modelTopology,
      weightSpecs,
      weightData: weightData.buffer,
    }));
    const { dir, url } = await packSource(arch, "float32");
    const net = await loadNet(url);
    const image = await loadImage(sharedImage("content/chelsea.png"), 224);
    const feats = net.layers.filter((l) => l.kind === "feature");
    const probe = tf.model({
      inputs: source.inputs,
      outputs: feats.map((l) => source.getLayer(l.source!).output as tf.SymbolicTensor),
    });
    const input = sourceInput(arch, image);
    const theirs = probe.predict(input) as tf.Tensor[];
    const ours = net.forward(image, feats.map((l) => l.name));
    const worst: [string, number][] = [];
    for (let i = 0; i < feats.length; i++) {
      const err = relError(
        await ours[feats[i].name].data() as Float32Array,
        await theirs[i].data() as Float32Array,
      );
      worst.push([feats[i].name, err]);
    }
    const bad = worst.filter(([, e]) => !(e < 1e-3));
    assert.deepEqual(bad, [], `layers over 1e-3: ${JSON.stringify(bad)}`);
    assert.ok(feats.length >= 15, `${arch} exposes ${feats.length} feature layers`);
    tf.dispose([image, input, theirs, Object.values(ours)]);
    net.dispose();
    source.dispose();
    assert.equal(tf.memory().numTensors, before, "tensors left behind");
    await Deno.remove(dir, { recursive: true });
  });

  Deno.test(`loadNet() ${arch} float16 storage stays within 1e-2 of float32 at every layer`, async () => {
    await setupTf();
    const before = tf.memory().numTensors;
    const f32 = await packSource(arch, "float32");
    const f16 = await packSource(arch, "float16");
    assert.ok(f16.packed.manifest.totalBytes * 2 === f32.packed.manifest.totalBytes);
    const [a, b] = [await loadNet(f32.url), await loadNet(f16.url)];
    const image = await loadImage(sharedImage("content/coffee.png"), 160);
    const names = a.layers.filter((l) => l.kind === "feature").map((l) => l.name);
    const fa = a.forward(image, names);
    const fb = b.forward(image, names);
    for (const n of names) {
      const err = relError(await fb[n].data() as Float32Array, await fa[n].data() as Float32Array);
      assert.ok(err < 1e-2, `${arch} ${n}: float16 relative error ${err}`);
    }
    tf.dispose([image, Object.values(fa), Object.values(fb)]);
    a.dispose();
    b.dispose();
    assert.equal(tf.memory().numTensors, before);
    await Deno.remove(f32.dir, { recursive: true });
    await Deno.remove(f16.dir, { recursive: true });
  });
}

/** Top-5 labels of the installed model for a photo, at 224 px. */
async function top5(id: string, photo: string): Promise<string[]> {
  const net = await loadNet(pathToFileURL(join(ROOT, "static/models", id, "manifest.json")), {
    groups: ["body", "head"],
  });
  try {
    const image = await loadImage(sharedImage(photo), 224);
    const indices = tf.tidy(() => {
      const { logits } = net.forward(image, ["logits"]);
      return tf.topk(tf.reshape(logits, [-1]), 5).indices;
    });
    const idx = Array.from(await indices.data());
    tf.dispose([image, indices]);
    return idx.map((i) => net.manifest.labels![i]);
  } finally {
    net.dispose();
  }
}

for (const id of ["resnet50", "darknet-tiny", "mobilenet-v1"]) {
  Deno.test(`installed ${id} puts a cat in the top 5 for chelsea.png and espresso or cup for coffee.png`, async () => {
    await setupTf();
    const before = tf.memory().numTensors;
    const cat = await top5(id, "content/chelsea.png");
    assert.ok(
      cat.some((l) => /\b(tabby|tiger cat|persian|siamese|egyptian cat)/i.test(l)),
      `chelsea: ${cat}`,
    );
    const coffee = await top5(id, "content/coffee.png");
    assert.ok(coffee.some((l) => /espresso|\bcup\b/i.test(l)), `coffee: ${coffee}`);
    assert.equal(tf.memory().numTensors, before);
  });
}
