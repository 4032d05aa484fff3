/**
 * Every fixture format imports and our forward pass reproduces the reference framework's
 * activations (torch, run by make_fixtures.py on the same weights and the same input formula)
 * to 1e-4 relative L2 at each compared layer.
 */
import assert from "node:assert/strict";
import { setupTf, tf } from "../../_tf.ts";
import { importWeights, loadPacked, testImage } from "../../../src/shared/nets/import/mod.ts";
import { fixture, references, relL2 } from "./_fixtures.ts";

const refs = await references();

const EXPECT: Record<
  string,
  { architecture: string; variant: string; format: string; head: boolean }
> = {
  "vgg19_torchvision.pth": {
    architecture: "vgg19",
    variant: "torchvision",
    format: "torch-zip",
    head: true,
  },
  "vgg19_keras_notop.h5": {
    architecture: "vgg19",
    variant: "keras",
    format: "keras-h5",
    head: false,
  },
  "vgg19_features_f16.safetensors": {
    architecture: "vgg19",
    variant: "torchvision",
    format: "safetensors",
    head: false,
  },
  "resnet50_torchvision.pth": {
    architecture: "resnet50",
    variant: "torchvision-v1.5",
    format: "torch-zip",
    head: true,
  },
  "resnet50_robust_l2.pt": {
    architecture: "resnet50",
    variant: "torchvision-v1.5",
    format: "torch-zip",
    head: true,
  },
  "resnet50_salman_l2.ckpt": {
    architecture: "resnet50",
    variant: "torchvision-v1.5",
    format: "torch-legacy",
    head: true,
  },
};

for (const [name, ref] of Object.entries(refs)) {
  Deno.test(`importWeights() of ${name} matches the reference activations to 1e-4`, async () => {
    await setupTf();
    const want = EXPECT[name];
    const { packed, format } = await importWeights(await fixture(name), {
      file: name,
      dtype: "float32",
    });
    const m = packed.manifest;
    assert.equal(format, want.format);
    assert.equal(m.architecture, want.architecture);
    assert.equal(m.variant, want.variant);
    assert.equal(m.layers.some((l) => l.kind === "logits"), want.head);
    const before = tf.memory().numTensors;
    const net = await loadPacked(packed, { groups: ["body", "head"] });
    try {
      const check = async (layers: string[], size: number) => {
        const img = testImage(size);
        const feats = net.forward(img, layers);
        img.dispose();
        for (const layer of layers) {
          const expected = ref.layers[layer];
          assert.deepEqual(
            feats[layer].shape.slice(1).filter((d) => d !== 1),
            expected.shape.slice(1).filter((d) => d !== 1),
            layer,
          );
          const err = relL2(await feats[layer].data(), expected.data);
          assert.ok(err < 1e-4, `${name} ${layer}: relative L2 error ${err.toExponential(2)}`);
        }
        for (const t of Object.values(feats)) t.dispose();
      };
      const layers = Object.keys(ref.layers);
      const logits = ref.logits_size ? ["logits"] : [];
      await check(layers.filter((l) => !logits.includes(l)), ref.size);
      if (ref.logits_size) await check(logits, ref.logits_size);
    } finally {
      net.dispose();
    }
    assert.equal(tf.memory().numTensors, before);
  });
}

Deno.test("importWeights() reads the robustness normaliser into the manifest's preprocess", async () => {
  const { packed } = await importWeights(await fixture("resnet50_robust_l2.pt"), { file: "x.pt" });
  const p = packed.manifest.preprocess;
  // make_fixtures.py stores new_mean [0.5, 0.4, 0.3], new_std [0.25, 0.2, 0.3] (float32).
  assert.deepEqual(p.mean.map((v) => +v.toFixed(6)), [0.5, 0.4, 0.3]);
  assert.deepEqual(p.std.map((v) => +v.toFixed(6)), [0.25, 0.2, 0.3]);
  assert.equal(p.order, "rgb");
});

Deno.test("importWeights() uses caffe preprocessing for Keras VGG-19 and records the file's sha256", async () => {
  const bytes = await fixture("vgg19_keras_notop.h5");
  const { packed } = await importWeights(bytes, { file: "/x/vgg19_keras_notop.h5" });
  const m = packed.manifest;
  assert.equal(m.preprocess.order, "bgr");
  assert.equal(m.preprocess.scale, 255);
  assert.equal(m.dtype, "float16");
  assert.equal(m.id, "vgg19_keras_notop");
  assert.match(m.source.sha256 ?? "", /^[0-9a-f]{64}$/);
  assert.deepEqual(m.layers.map((l) => l.name).slice(0, 3), ["relu1_1", "relu1_2", "relu2_1"]);
});
