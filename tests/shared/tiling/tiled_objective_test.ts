/**
 * The tiled objective against the untiled one on the synthetic net (fast, random weights, an
 * image size that is no multiple of the tiles), and the tiled closure driving L-BFGS.
 */
import assert from "node:assert/strict";
import { setupTf, tf } from "../../_tf.ts";
import {
  buildStyleObjective,
  type FeatureMap,
  styleTargets,
  tvLoss,
} from "../../../src/shared/losses/mod.ts";
import type { Net } from "../../../src/shared/nets/net.ts";
import { createOptimizer } from "../../../src/shared/optim/mod.ts";
import { pixelParam } from "../../../src/shared/param/mod.ts";
import { tileGrid } from "../../../src/shared/tiling/grid.ts";
import { haloFor, receptiveFields } from "../../../src/shared/tiling/receptive_field.ts";
import { tiledClosure } from "../../../src/shared/tiling/tiled_closure.ts";
import { tiledFeatures, tileTargets } from "../../../src/shared/tiling/tiled_features.ts";
import { tiledValueAndGrad } from "../../../src/shared/tiling/tiled_objective.ts";
import { syntheticNet, withSameStem } from "./_synthetic.ts";
import { compareTiled, relL2 } from "./_compare.ts";

const layers = ["block", "pool", "deep"];

async function withNet(fn: (net: Net, image: tf.Tensor4D) => Promise<void>) {
  await setupTf();
  const before = tf.memory().numTensors;
  const net = syntheticNet();
  const image = tf.randomUniform([1, 100, 70, 3], 0, 1, "float32", 7) as tf.Tensor4D;
  try {
    await fn(net, image);
  } finally {
    image.dispose();
    net.dispose();
  }
  assert.equal(tf.memory().numTensors, before, "tensors left behind");
}

/**
 * Style Grams of a seeded painting at "block" and "deep" and content maps of a seeded photo at
 * "pool" (100x70, the test image's size), with what disposes them.
 */
function seededTargets(net: Net) {
  const style = tf.randomUniform([1, 48, 48, 3], 0, 1, "float32", 8) as tf.Tensor4D;
  const content = tf.randomUniform([1, 100, 70, 3], 0, 1, "float32", 9) as tf.Tensor4D;
  const sf = net.forward(style, ["block", "deep"]);
  const styleGrams = styleTargets([sf]);
  const contentTargets: FeatureMap = net.forward(content, ["pool"]);
  const dispose = () => {
    tf.dispose([style, content, Object.values(sf), Object.values(styleGrams)]);
    tf.dispose(Object.values(contentTargets));
  };
  return { styleGrams, contentTargets, dispose };
}

Deno.test("tiledFeatures() equals the whole image's features; without the halo it does not", async () => {
  await withNet(async (net, image) => {
    const fields = receptiveFields(net.manifest, layers);
    const halo = haloFor(fields);
    const whole = net.forward(image, layers);
    for (const h of [halo, { ...halo, before: [0, 0], after: [0, 0] }]) {
      const grid = tileGrid(100, 70, { tile: 32, halo: h as typeof halo });
      const tiled = tiledFeatures(net, image, { grid, layers, jumps: fields });
      for (const l of layers) {
        assert.deepEqual(tiled[l].shape, whole[l].shape, l);
        const err = relL2(await tiled[l].data(), await whole[l].data());
        // Exact halo: the same arithmetic on the same inputs (up to XNNPACK's blocking).
        // No halo: a 32 px crop sees zero padding where the image continues.
        if (h === halo) assert.ok(err < 1e-6, `${l}: ${err}`);
        else assert.ok(err > 1e-2, `${l} without halo: ${err}`);
      }
      tf.dispose(Object.values(tiled));
    }
    tf.dispose(Object.values(whole));
  });
});

Deno.test("tiledFeatures() of a size-dependent 'same' conv is exact with the whole image's padding, at either parity", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const net = syntheticNet(1, withSameStem());
  const forward = net.forward.bind(net);
  const fields = receptiveFields(net.manifest, layers);
  // 100x70 gives c1 (after pad1's 1 px each side) 102x72 rows and columns, front padding 0;
  // 101x71 gives 103x73, front 1. A crop's own size sets its own, unless padded as the image.
  for (const [h, w] of [[100, 70], [101, 71]]) {
    const image = tf.randomUniform([1, h, w, 3], 0, 1, "float32", 7) as tf.Tensor4D;
    const whole = net.forward(image, layers);
    const grid = tileGrid(h, w, { tile: 32, halo: haloFor(fields) });
    for (const asImage of [true, false]) {
      net.forward = asImage
        ? forward
        : (x, names, o) => forward(x, names, { ...o, sameAs: undefined });
      const tiled = tiledFeatures(net, image, { grid, layers, jumps: fields });
      for (const l of layers) {
        assert.deepEqual(tiled[l].shape, whole[l].shape, l);
        const err = relL2(await tiled[l].data(), await whole[l].data());
        if (asImage) assert.ok(err < 1e-6, `${h}x${w} ${l}: ${err}`);
        // Padded as the crop: a crop of another parity than the image takes another grid. This
        // grid's crops are all even, so only the odd image shows it.
        else if (h % 2) assert.ok(err > 1e-2, `${h}x${w} ${l} padded as the crop: ${err}`);
        else assert.ok(err < 1e-6, `${h}x${w} ${l} padded as the (even) crop: ${err}`);
      }
      tf.dispose(Object.values(tiled));
    }
    net.forward = forward;
    tf.dispose([image, Object.values(whole)]);
  }
  net.dispose();
  assert.equal(tf.memory().numTensors, before, "tensors left behind");
});

Deno.test("tiledValueAndGrad() equals tf.valueAndGrad of buildStyleObjective() on the whole image", async () => {
  await withNet(async (net, image) => {
    const { styleGrams, contentTargets, dispose } = seededTargets(net);
    const options = {
      contentTargets,
      styleGrams,
      contentLayers: [{ layer: "pool", weight: 1 }],
      styleLayers: [{ layer: "block", weight: 1 }, { layer: "deep", weight: 0.5 }],
      weights: { content: 2, style: 100, tv: 3 },
    };
    const grid = tileGrid(100, 70, {
      tile: 32,
      halo: haloFor(receptiveFields(net.manifest, layers)),
    });
    const r = await compareTiled(net, image, { ...options, grid });
    // The terms are all present (none of them trivially zero) and the totals agree.
    for (const k of ["content", "style", "tv"] as const) assert.ok(r.tiled.terms[k] > 0, k);
    assert.ok(r.lossRel < 1e-5, `loss ${r.tiled.total} vs ${r.untiled}`);
    assert.ok(r.gradRel < 1e-5, `gradient relative L2 ${r.gradRel}`);
    dispose();
  });
});

Deno.test("tiledValueAndGrad() runs 2n - 1 forward passes over n tiles, one tile included, and stays exact", async () => {
  await withNet(async (net, image) => {
    const { styleGrams, contentTargets, dispose } = seededTargets(net);
    const halo = haloFor(receptiveFields(net.manifest, layers));
    const forward = net.forward.bind(net);
    let forwards = 0;
    net.forward = (...args: Parameters<Net["forward"]>) => {
      forwards++;
      return forward(...args);
    };
    // 12 tiles of 32 px, 4 of 64 px, and one tile covering the whole image; with
    // and without a content layer (the last tile's pass must complete both sums).
    for (const [tile, tiles] of [[32, 12], [64, 4], [128, 1]]) {
      for (const contentLayers of [[{ layer: "pool", weight: 1 }], []]) {
        const grid = tileGrid(100, 70, { tile, halo });
        assert.equal(grid.tiles.length, tiles);
        forwards = 0;
        const r = await compareTiled(net, image, {
          contentTargets,
          styleGrams,
          contentLayers,
          styleLayers: [{ layer: "block", weight: 1 }, { layer: "deep", weight: 0.5 }],
          weights: { content: 2, style: 100, tv: 3 },
          grid,
        });
        // compareTiled()'s untiled reference is one more forward.
        assert.equal(forwards - 1, 2 * tiles - 1, `${tiles} tiles`);
        assert.ok(r.lossRel < 1e-5, `${tiles} tiles: loss ${r.tiled.total} vs ${r.untiled}`);
        assert.ok(r.gradRel < 1e-5, `${tiles} tiles: gradient relative L2 ${r.gradRel}`);
        assert.equal(r.tiled.terms.content > 0, contentLayers.length > 0);
      }
    }
    net.forward = forward;
    dispose();
  });
});

Deno.test("tiledClosure() drives L-BFGS: 5 steps lower the loss, tracked by the reported terms", async () => {
  await withNet(async (net, image) => {
    const style = tf.randomUniform([1, 48, 48, 3], 0, 1, "float32", 8) as tf.Tensor4D;
    const sf = net.forward(style, ["block", "deep"]);
    const styleGrams = styleTargets([sf]);
    const param = pixelParam(100, 70);
    const grid = tileGrid(100, 70, {
      tile: 32,
      halo: haloFor(receptiveFields(net.manifest, layers)),
    });
    const seen: number[] = [];
    const closure = tiledClosure(net, param, {
      contentTargets: {},
      styleGrams,
      contentLayers: [],
      styleLayers: [{ layer: "block", weight: 1 }, { layer: "deep", weight: 1 }],
      weights: { content: 0, style: 100, tv: 0 },
      grid,
      onValue: (v) => seen.push(v.total),
    });
    const optimizer = createOptimizer({ kind: "lbfgs", history: 5 }, closure);
    let x = param.fromImage(image);
    const start = await closure(x);
    start.grad.dispose();
    const first = start.loss;
    let loss = first;
    for (let i = 0; i < 5; i++) {
      const step = await optimizer.step(x);
      if (step.x !== x) x.dispose();
      x = step.x;
      loss = step.loss;
    }
    optimizer.dispose();
    assert.ok(loss < first / 2, `loss ${first} -> ${loss}`);
    assert.equal(seen[0], first);
    assert.ok(seen.includes(loss), "the step's loss is one the closure computed");
    tf.dispose([x, style, Object.values(sf), Object.values(styleGrams)]);
    param.dispose();
  });
});

Deno.test("tiledValueAndGrad() stops at the next tile when aborted, in either pass, leaving no tensors", async () => {
  await withNet(async (net, image) => {
    const style = tf.randomUniform([1, 48, 48, 3], 0, 1, "float32", 8) as tf.Tensor4D;
    const sf = net.forward(style, ["block"]);
    const styleGrams = styleTargets([sf]);
    const grid = tileGrid(100, 70, {
      tile: 32,
      halo: haloFor(receptiveFields(net.manifest, layers)),
    });
    for (const pass of [1, 2]) {
      const controller = new AbortController();
      const seen: string[] = [];
      await assert.rejects(
        () =>
          tiledValueAndGrad(net, image, {
            contentTargets: {},
            styleGrams,
            contentLayers: [],
            styleLayers: [{ layer: "block", weight: 1 }],
            weights: { content: 0, style: 1, tv: 0 },
            grid,
            signal: controller.signal,
            onTile: (p, i) => {
              seen.push(`${p}:${i}`);
              if (p === pass && i === 1) controller.abort(new Error("stop"));
            },
          }),
        /stop/,
      );
      // 12 tiles per pass: pass 1 runs all of them before pass 2 starts.
      assert.equal(seen.length, pass === 1 ? 2 : 14);
    }
    await assert.rejects(
      () =>
        tiledValueAndGrad(net, image, {
          contentTargets: {},
          styleGrams,
          contentLayers: [],
          styleLayers: [{ layer: "deep", weight: 1 }],
          weights: { content: 0, style: 1, tv: 0 },
          grid,
        }),
      /No style Gram for layer "deep"/,
    );
    tf.dispose([style, Object.values(sf), Object.values(styleGrams)]);
  });
});

Deno.test("tiledValueAndGrad() is bit-identical when repeated (fixed tile and summation order)", async () => {
  await withNet(async (net, image) => {
    const style = tf.randomUniform([1, 48, 48, 3], 0, 1, "float32", 8) as tf.Tensor4D;
    const sf = net.forward(style, ["block", "deep"]);
    const styleGrams = styleTargets([sf]);
    const grid = tileGrid(100, 70, {
      tile: 32,
      halo: haloFor(receptiveFields(net.manifest, layers)),
    });
    const run = async () => {
      const r = await tiledValueAndGrad(net, image, {
        contentTargets: {},
        styleGrams,
        contentLayers: [],
        styleLayers: [{ layer: "block", weight: 1 }, { layer: "deep", weight: 1 }],
        weights: { content: 0, style: 10, tv: 1 },
        grid,
      });
      const g = await r.grad.data();
      r.grad.dispose();
      return { total: r.total, g };
    };
    const a = await run();
    const b = await run();
    assert.equal(a.total, b.total);
    assert.deepEqual(a.g, b.g);
    tf.dispose([style, Object.values(sf), Object.values(styleGrams)]);
  });
});

Deno.test("tiledClosure() pulls the gradient back through a decorrelated parameterisation exactly", async () => {
  await withNet(async (net, image) => {
    const style = tf.randomUniform([1, 48, 48, 3], 0, 1, "float32", 8) as tf.Tensor4D;
    const sf = net.forward(style, ["block", "deep"]);
    const styleGrams = styleTargets([sf]);
    const param = pixelParam(100, 70, { decorrelate: true });
    const options = {
      contentTargets: {},
      styleGrams,
      contentLayers: [],
      styleLayers: [{ layer: "block", weight: 1 }, { layer: "deep", weight: 1 }],
      weights: { content: 0, style: 100, tv: 1 },
    };
    const grid = tileGrid(100, 70, {
      tile: 32,
      halo: haloFor(receptiveFields(net.manifest, layers)),
    });
    const flat = tf.tidy(() => param.fromImage(tf.clipByValue(image, 0.01, 0.99)));
    const objective = buildStyleObjective(options);
    const reference = tf.tidy(() =>
      tf.grad((x) => {
        const img = param.toImage(x as tf.Tensor1D);
        return objective(net.forward(img, ["block", "deep"]), img).total;
      })(flat)
    );
    const { grad } = await tiledClosure(net, param, { ...options, grid })(flat);
    const err = relL2(await grad.data(), await reference.data());
    assert.ok(err < 1e-5, `relative L2 ${err}`);
    tf.dispose([grad, reference, flat, style, Object.values(sf), Object.values(styleGrams)]);
    param.dispose();
  });
});

Deno.test("tiledValueAndGrad() of TV alone is tvLoss() and its gradient, seams included", async () => {
  await withNet(async (net, image) => {
    // 100x70 in 32 px tiles: cores end at 32, 64 (and 96) px, the last ones partial.
    const grid = tileGrid(100, 70, {
      tile: 32,
      halo: haloFor(receptiveFields(net.manifest, layers)),
    });
    const tvOnly = {
      contentTargets: {},
      styleGrams: {},
      contentLayers: [],
      styleLayers: [],
      weights: { content: 0, style: 0, tv: 1 },
      grid,
    };
    // A horizontal ramp, x/128 in every channel (exact in float32): each horizontal difference
    // is 1/128 and each vertical one 0, so tvLoss = (1/128)² = 1/16384 (a mean of equal
    // squares). Its gradient with Nh = 100·69·3 = 20700 differences: pixel x gets
    // 2(d_{x-1} - d_x)/Nh, 0 inside the ramp (also at the seams x = 31, 32, 63, 64),
    // -2/(128·Nh) at x = 0 and +2/(128·Nh) at x = 69.
    const ramp = tf.tidy(() =>
      tf.tile(tf.reshape(tf.div(tf.range(0, 70), 128), [1, 1, 70, 1]), [1, 100, 1, 3])
    ) as tf.Tensor4D;
    const r = await tiledValueAndGrad(net, ramp, tvOnly);
    assert.ok(Math.abs(r.total - 1 / 16384) < 1e-6 / 16384, `${r.total} vs ${1 / 16384}`);
    assert.equal(r.terms.tv, r.total);
    const g = await r.grad.data();
    const edge = 2 / (128 * 20700);
    for (let y = 0; y < 100; y++) {
      for (let x = 0; x < 70; x++) {
        const want = x === 0 ? -edge : x === 69 ? edge : 0;
        for (let c = 0; c < 3; c++) {
          const got = g[(y * 70 + x) * 3 + c];
          assert.ok(Math.abs(got - want) < 1e-5 * edge, `(${y}, ${x}, ${c}): ${got} vs ${want}`);
        }
      }
    }
    tf.dispose([ramp, r.grad]);
    // A random image against tvLoss() and tf.grad of it on the whole image.
    const s = await tiledValueAndGrad(net, image, tvOnly);
    const { value, grad } = tf.tidy(() => tf.valueAndGrad((x) => tvLoss(x as tf.Tensor4D))(image));
    const whole = (await value.data())[0];
    assert.ok(Math.abs(s.total - whole) / whole < 1e-5, `${s.total} vs ${whole}`);
    const err = relL2(await s.grad.data(), await grad.data());
    assert.ok(err < 1e-5, `gradient relative L2 ${err}`);
    tf.dispose([s.grad, value, grad]);
    // Higher orders read `order` rows and columns past each core: the same sums across seams.
    for (const tvOrder of [2, 4]) {
      const o = await tiledValueAndGrad(net, image, { ...tvOnly, tvOrder });
      const ref = tf.tidy(() => tf.valueAndGrad((x) => tvLoss(x as tf.Tensor4D, tvOrder))(image));
      const v = (await ref.value.data())[0];
      assert.ok(Math.abs(o.total - v) / v < 1e-5, `order ${tvOrder}: ${o.total} vs ${v}`);
      const e = relL2(await o.grad.data(), await ref.grad.data());
      assert.ok(e < 1e-5, `order ${tvOrder}: gradient relative L2 ${e}`);
      tf.dispose([o.grad, ref.value, ref.grad]);
    }
  });
});

Deno.test("tileTargets() leaves no tensors and gives tiledValueAndGrad() tiledFeatures()'s result bit for bit", async () => {
  await withNet(async (net, image) => {
    const style = tf.randomUniform([1, 48, 48, 3], 0, 1, "float32", 8) as tf.Tensor4D;
    const content = tf.randomUniform([1, 100, 70, 3], 0, 1, "float32", 9) as tf.Tensor4D;
    const sf = net.forward(style, ["block", "deep"]);
    const styleGrams = styleTargets([sf]);
    const fields = receptiveFields(net.manifest, layers);
    const grid = tileGrid(100, 70, { tile: 32, halo: haloFor(fields) });
    const pass = { grid, layers: ["pool"], jumps: fields };
    const before = tf.memory().numTensors;
    const held = await tileTargets(net, content, pass);
    assert.equal(tf.memory().numTensors, before, "tileTargets() keeps nothing in tfjs");
    assert.equal(held.length, grid.tiles.length);
    const whole = tiledFeatures(net, content, pass);
    const options = {
      styleGrams,
      contentLayers: [{ layer: "pool", weight: 1 }],
      styleLayers: [{ layer: "block", weight: 1 }, { layer: "deep", weight: 0.5 }],
      weights: { content: 2, style: 100, tv: 3 },
      grid,
    };
    const a = await tiledValueAndGrad(net, image, { ...options, contentTargets: held });
    const b = await tiledValueAndGrad(net, image, { ...options, contentTargets: whole });
    // The same core features (one crop's arithmetic), sliced or concatenated and sliced back.
    assert.ok(a.terms.content > 0);
    assert.deepEqual(a.terms, b.terms);
    assert.deepEqual(await a.grad.data(), await b.grad.data());
    await assert.rejects(
      () => tiledValueAndGrad(net, image, { ...options, contentTargets: held.slice(1) }),
      /Content targets are for 11 tiles but the grid has 12/,
    );
    tf.dispose([a.grad, b.grad, style, content, Object.values(sf), Object.values(styleGrams)]);
    tf.dispose(Object.values(whole));
  });
});
