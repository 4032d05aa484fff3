/** Receptive fields and halos against values derived by hand from the synthetic graph. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseManifest } from "../../../src/shared/nets/loader.ts";
import type { GraphNode } from "../../../src/shared/nets/manifest.ts";
import { ARCH_DEFAULTS } from "../../../src/shared/presets.ts";
import { haloFor, receptiveFields } from "../../../src/shared/tiling/receptive_field.ts";
import { pathToFileURL } from "node:url";
import { loadNet } from "../../../src/shared/nets/loader.ts";
import { ROOT } from "../../_images.ts";
import { setupTf, tf } from "../../_tf.ts";
import { syntheticManifest, withSameStem } from "./_synthetic.ts";

Deno.test("receptiveFields() of the synthetic graph matches the hand derivation", () => {
  // Feature 0 of a node reads input pixels lo..hi; a window of kernel k, stride s and leading
  // pad p maps (lo, hi, j) to (lo - p·j, hi + (k-1-p)·j, j·s); a pad node of t shifts lo and hi
  // by -t·j; an add takes the union.
  // input (0, 0, 1) -> pad1 (-1, -1, 1) -> c1 k3 s2 valid (-1, 1, 2)
  // c2 k3 same p1: (-3, 3, 2); c3 k1: (-1, 1, 2); add1 = union (-3, 3, 2) = "block"
  // p1 maxPool k2 s2 "same": p = floor(max(2-2, 0)/2) = 0: (-3, 5, 4) = "pool"
  // c4 kernel [3, 1] "same": rows p1 (-7, 9, 4), columns p0 (-3, 5, 4) = "deep"
  const f = receptiveFields(syntheticManifest());
  assert.deepEqual(f.block, { jump: [2, 2], lo: [-3, -3], hi: [3, 3], size: [7, 7] });
  assert.deepEqual(f.pool, { jump: [4, 4], lo: [-3, -3], hi: [5, 5], size: [9, 9] });
  assert.deepEqual(f.deep, { jump: [4, 4], lo: [-7, -3], hi: [9, 5], size: [17, 9] });
});

Deno.test("haloFor() takes the widest reach before and after a core and the lcm of the jumps", () => {
  // before = max(-lo); after = max(hi - j + 1): block 3-2+1 = 2, pool 5-4+1 = 2, deep rows
  // 9-4+1 = 6, columns 5-4+1 = 2; align = lcm(2, 4, 4) = 4.
  const f = receptiveFields(syntheticManifest());
  assert.deepEqual(haloFor(f), { before: [7, 3], after: [6, 2], align: [4, 4] });
  assert.deepEqual(haloFor({ block: f.block }), { before: [3, 3], after: [2, 2], align: [2, 2] });
});

Deno.test("receptiveFields() spans both paddings of a strided 'same' conv and refuses such a pool", () => {
  // c1 k3 s2 "same": total padding (ceil(n/2) - 1)·2 + 3 - n is 1 for even n (front 0), 2 for
  // odd n (front 1). Its field spans both: lo -1 - 1 = -2 (front 1), hi -1 + (3-1-0) = 1
  // (front 0), jump 2; c2 k3 same: (-4, 3, 2); c3 k1: (-2, 1, 2); add1 = (-4, 3, 2) = "block".
  const f = receptiveFields(syntheticManifest(withSameStem()));
  assert.deepEqual(f.block, { jump: [2, 2], lo: [-4, -4], hi: [3, 3], size: [8, 8] });
  // A 3x3/2 "same" max pool pads the same way, but a pool ignores its padding, so no explicit
  // padding reproduces it in a crop.
  const m = syntheticManifest();
  const graph = m.graph.map((n): GraphNode =>
    n.op === "maxPool" ? { ...n, size: [3, 3] as [number, number] } : n
  );
  assert.throws(
    () => receptiveFields(syntheticManifest(graph)),
    /Node "p1": "same" padding with window 3 and stride 2 depends on the input size/,
  );
  assert.throws(() => receptiveFields(m, ["nope"]), /Unknown layer "nope" for network synthetic/);
});

Deno.test("receptiveFields() of the real default layers: Darknet-tiny 134 px, ResNet-50 483 px, MobileNet-v1 234 px", async () => {
  const got: Record<string, Record<string, [number, number, number]>> = {};
  for (const id of ["darknet-tiny", "resnet50", "mobilenet-v1"]) {
    const path = join(ROOT, "static/models", id, "manifest.json");
    const m = parseManifest(JSON.parse(await Deno.readTextFile(path)), path);
    const d = ARCH_DEFAULTS[m.architecture];
    const layers = [...d.layers.content, ...d.layers.style].map((l) => l.layer);
    got[id] = {};
    for (const [name, f] of Object.entries(receptiveFields(m, layers))) {
      got[id][name] = [f.jump[0], f.size[0], f.lo[0]];
    }
  }
  // Darknet-tiny: a 3x3 conv adds 2·jump (lo -jump), a 2x2/2 pool adds jump and doubles it,
  // 1x1 convs add nothing. conv1 3 (lo -1); pool 4, j2; conv2 8 (lo -3); pool 10, j4; conv4 18;
  // conv6 26 (lo -11); pool 30, j8; conv8 46 (lo -19); conv10 62 (lo -27); pool 70, j16;
  // conv12 102; conv14 134 (lo -59, hi -59 + 133 = 74).
  assert.deepEqual(got["darknet-tiny"], {
    conv2: [2, 8, -3],
    conv6: [4, 26, -11],
    conv8: [8, 46, -19],
    conv10: [8, 62, -27],
    conv14: [16, 134, -59],
  });
  // ResNet-50 (Keras v1): stem pad 3 + 7x7/2 conv: 7 px, lo -3; pad 1 + 3x3/2 max pool:
  // +2·2 = 11 px, lo -3-2 = -5, jump 4. Each bottleneck adds its 3x3 conv, 2·jump: stage 2
  // (3 blocks at jump 4) 11 + 24 = 35 = res2c; stage 3's first 1x1 conv has stride 2 and adds
  // nothing, then 4 blocks at jump 8: 35 + 64 = 99 = res3d; stage 4: 6 blocks at jump 16:
  // 99 + 192 = 291; stage 5: 3 blocks at jump 32: 291 + 192 = 483 = res5c. lo = -(size-1)/2.
  // The stem conv1 (a default style layer since issue 12) is that 7 px, lo -3, at jump 2.
  assert.deepEqual(got.resnet50, {
    conv1: [2, 7, -3],
    res2c: [4, 35, -17],
    res3d: [8, 99, -49],
    res4f: [16, 291, -145],
    res5c: [32, 483, -241],
  });
  // MobileNet-v1: every 3x3 conv is "same"; at stride 2 its front padding is 0 or 1 by the
  // input's parity, and the field spans both (front 1 for lo, front 0 for hi). conv1 3x3/2:
  // lo -1, hi 2, jump 2; dw_1 3x3/1 adds ±2: (-3, 4) = 8 px = conv_pw_1 (1x1 convs add nothing);
  // dw_2 3x3/2 at jump 2: (-3 - 2, 4 + 4) = (-5, 8), jump 4; dw_3 ±4: (-9, 12) = 22 = conv_pw_3;
  // dw_4 /2: (-13, 20) = 34, jump 8 = conv_pw_4; dw_5 ±8: (-21, 28) = 50 = conv_pw_5; dw_6 /2:
  // (-29, 44), jump 16; dw_7 .. dw_11 ±16 each: (-109, 124) = 234 = conv_pw_11.
  assert.deepEqual(got["mobilenet-v1"], {
    conv_pw_1_relu: [2, 8, -3],
    conv_pw_3_relu: [4, 22, -9],
    conv_pw_4_relu: [8, 34, -13],
    conv_pw_5_relu: [8, 50, -21],
    conv_pw_11_relu: [16, 234, -109],
  });
});

Deno.test("receptiveFields() of Darknet-tiny conv14 is the measured extent of a feature's gradient", async () => {
  // Independent check: with average pooling every input pixel in a feature's field gets a
  // nonzero gradient (leaky ReLU never zeroes it), and none outside. Feature (5, 5) of conv14
  // reads lo + 5·16 .. hi + 5·16 = -59 + 80 .. 74 + 80 = 21..154 of a 192 px image.
  await setupTf();
  const before = tf.memory().numTensors;
  const net = await loadNet(
    pathToFileURL(join(ROOT, "static/models/darknet-tiny/manifest.json")),
    { pooling: "avg" },
  );
  const image = tf.randomUniform([1, 192, 192, 3], 0, 1, "float32", 3) as tf.Tensor4D;
  const g = tf.tidy(() =>
    tf.grad((x) => {
      const f = net.forward(x as tf.Tensor4D, ["conv14"]).conv14;
      return tf.sum(tf.slice(f, [0, 5, 5, 0], [1, 1, 1, -1]));
    })(image)
  );
  const perRow = tf.tidy(() => tf.sum(tf.abs(g), [0, 2, 3]));
  const rows = await perRow.data();
  const nonzero = [...rows.keys()].filter((i) => rows[i] !== 0);
  const f = receptiveFields(net.manifest, ["conv14"]).conv14;
  assert.deepEqual([nonzero[0], nonzero.at(-1)], [f.lo[0] + 5 * 16, f.hi[0] + 5 * 16]);
  assert.deepEqual([nonzero[0], nonzero.at(-1)], [21, 154]);
  assert.equal(nonzero.length, 134);
  tf.dispose([image, g, perRow]);
  net.dispose();
  assert.equal(tf.memory().numTensors, before, "tensors left behind");
});
