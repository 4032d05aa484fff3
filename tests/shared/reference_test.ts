/** The pure parts of the reference experiment (issue 12): pairs, resizes, table, strip. */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { setupTf, tf } from "../_tf.ts";
import { sharedImage } from "../_images.ts";
import type { OutputScore } from "../../src/shared/metrics/score.ts";
import {
  centreSquare,
  geometricMean,
  isArticleRow,
  NONROBUST,
  pictureStrip,
  reducedRow,
  reducedSize,
  REFERENCE_CONTENT,
  REFERENCE_PAIRS,
  relativeMarkdown,
  relativeTable,
  ROBUST,
  toShortSide,
  TUNING_PAIRS,
} from "../../src/shared/reference.ts";

Deno.test("REFERENCE_PAIRS name files that exist in the shared images", () => {
  assert.ok(existsSync(sharedImage(`reference/${REFERENCE_CONTENT}`)));
  for (const p of REFERENCE_PAIRS) {
    for (const f of [`style/${p.style}`, `reference/${p.robust}`, `reference/${p.nonrobust}`]) {
      assert.ok(existsSync(sharedImage(f)), `${f} is missing`);
    }
  }
});

Deno.test("TUNING_PAIRS name shared photos and paintings that exist, with unique ids", () => {
  for (const p of TUNING_PAIRS) {
    for (const f of [p.content, `style/${p.style}`]) {
      assert.ok(existsSync(sharedImage(f)), `${f} is missing`);
    }
    // A tuning pair has no article output: it is compared between recipes, not to the article.
    assert.equal(p.robust, undefined);
  }
  const ids = [...REFERENCE_PAIRS, ...TUNING_PAIRS].map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.equal(new Set(TUNING_PAIRS.map((p) => p.content)).size, 4);
});

Deno.test("relativeTable() divides by another row when asked, over the pairs both rows have", () => {
  const scored = [
    { row: "base", pair: "a", score: scoreOf({ m: 2 }, 0.5) },
    { row: "base", pair: "t", score: scoreOf({ m: 4 }, 1) },
    { row: "new", pair: "a", score: scoreOf({ m: 1 }, 0.5) },
    { row: "new", pair: "t", score: scoreOf({ m: 4 }, 0.25) },
    // Only "new" has pair "x": no base value there, so it is left out of the mean.
    { row: "new", pair: "x", score: scoreOf({ m: 100 }, 100) },
  ];
  const t = relativeTable(scored, ["m"], "base");
  // style: 1/2 = 0.5 and 4/4 = 1, geometric mean sqrt(0.5); colour 0.5/0.5 = 1, 0.25/1 = 0.25,
  // geometric mean sqrt(0.25) = 0.5.
  assert.deepEqual(t.new.m.style?.perPair, { a: 0.5, t: 1 });
  assert.ok(Math.abs(t.new.m.style!.geomean - Math.SQRT1_2) < 1e-12);
  assert.equal(t.new.m.colour?.geomean, 0.5);
  assert.equal(t.base.m.style?.geomean, 1);
});

Deno.test("geometricMean() is the n-th root of the product", () => {
  // (1 · 4)^(1/2) = 2; (2 · 8 · 4)^(1/3) = 64^(1/3) = 4.
  assert.ok(Math.abs(geometricMean([1, 4]) - 2) < 1e-12);
  assert.ok(Math.abs(geometricMean([2, 8, 4]) - 4) < 1e-12);
  assert.ok(Number.isNaN(geometricMean([])));
  assert.ok(Number.isNaN(geometricMean([1, 0])));
});

const scoreOf = (
  style: Record<string, number>,
  colour: number,
  nyquist = 1,
  whole?: number,
): OutputScore => ({
  style: Object.fromEntries(Object.entries(style).map(([j, mean]) => [j, { mean, perLayer: {} }])),
  content: Object.fromEntries(Object.entries(style).map(([j, v]) => [j, v / 10])),
  colourW2: colour,
  ...(whole === undefined ? {} : { colourW2Whole: whole }),
  colourSliced: colour,
  artifacts: { nyquist, high: nyquist },
});

Deno.test("relativeTable() divides by the robust output per pair and takes the geometric mean", () => {
  const scored = [
    { row: ROBUST, pair: "a", score: scoreOf({ m: 0.5, d: 1 }, 0.1) },
    { row: ROBUST, pair: "b", score: scoreOf({ m: 1, d: 2 }, 0.2) },
    // Ours is optimised by "d", so only "m" judges it.
    { row: "d", pair: "a", score: scoreOf({ m: 0.5 }, 0.4, 2) },
    { row: "d", pair: "b", score: scoreOf({ m: 4 }, 0.2, 8) },
  ];
  const t = relativeTable(scored, ["m", "d"]);
  // style (m): 0.5/0.5 = 1 and 4/1 = 4, geometric mean √4 = 2; colour: 0.4/0.1 = 4 and
  // 0.2/0.2 = 1, mean 2; nyquist 2/1 and 8/1: √16 = 4; content is style/10 on both: 1 and 4.
  assert.deepEqual(t.d.m.style, { geomean: 2, perPair: { a: 1, b: 4 } });
  assert.deepEqual(t.d.m.colour, { geomean: 2, perPair: { a: 4, b: 1 } });
  assert.deepEqual(t.d.m.nyquist, { geomean: 4, perPair: { a: 2, b: 8 } });
  // No colour to the whole painting was measured: no cell, "n/a" in the markdown.
  assert.equal(t.d.m["colour-whole"], undefined);
  assert.equal(t.d.m.content?.geomean, 2);
  assert.equal(t.d.d.style, undefined);
  assert.equal(t[ROBUST].d.style?.geomean, 1);
  const md = relativeMarkdown(t, ["m", "d"]);
  assert.match(
    md,
    /\| d \| \*\*2\.00\*\* \(a 1\.00, b 4\.00\) \| \*\*2\.00\*\* \(a 4\.00, b 1\.00\) \| n\/a \|/,
  );
  // With it: 0.05 / 0.2 and 0.1 / 0.1, geometric mean √0.25 = 0.5.
  const whole = relativeTable([
    { row: ROBUST, pair: "a", score: scoreOf({ m: 1 }, 0.1, 1, 0.2) },
    { row: ROBUST, pair: "b", score: scoreOf({ m: 1 }, 0.1, 1, 0.1) },
    { row: "d", pair: "a", score: scoreOf({ m: 1 }, 0.1, 1, 0.05) },
    { row: "d", pair: "b", score: scoreOf({ m: 1 }, 0.1, 1, 0.1) },
  ], ["m"]);
  assert.deepEqual(whole.d.m["colour-whole"], { geomean: 0.5, perPair: { a: 0.25, b: 1 } });
  // Under judge "d" our row has no style cell, so it is left out of that section.
  assert.equal(md.split("### judged by d")[1].includes("| d |"), false);
});

Deno.test("the reduced article rows are article rows, and a table can be relative to one", () => {
  const at256 = reducedRow(ROBUST, 256);
  assert.equal(at256, "article robust at 256 px");
  for (const row of [ROBUST, NONROBUST, at256, reducedRow(NONROBUST, 512)]) {
    assert.ok(isArticleRow(row), row);
  }
  for (
    const row of ["darknet-tiny", "dt256_pal_1e5", "article robust at px", "my article robust"]
  ) {
    assert.equal(isArticleRow(row), false, row);
  }
  assert.equal(reducedSize(at256), 256);
  assert.equal(reducedSize(reducedRow(NONROBUST, 512)), 512);
  assert.equal(reducedSize(ROBUST), undefined);
  // Like for like: ours over the reduced robust output (0.8 / 0.4 = 2 and 3 / 1 = 3), while the
  // reduced output is 0.4 / 0.5 = 0.8 and 1 / 1 = 1 of the full-size one.
  const scored = [
    { row: ROBUST, pair: "a", score: scoreOf({ m: 0.5 }, 0.1) },
    { row: ROBUST, pair: "b", score: scoreOf({ m: 1 }, 0.2) },
    { row: at256, pair: "a", score: scoreOf({ m: 0.4 }, 0.1) },
    { row: at256, pair: "b", score: scoreOf({ m: 1 }, 0.2) },
    { row: "d", pair: "a", score: scoreOf({ m: 0.8 }, 0.1) },
    { row: "d", pair: "b", score: scoreOf({ m: 3 }, 0.2) },
  ];
  const like = relativeTable(scored, ["m"], at256);
  assert.deepEqual(like.d.m.style?.perPair, { a: 2, b: 3 });
  assert.ok(Math.abs(like.d.m.style!.geomean - Math.sqrt(6)) < 1e-12);
  assert.deepEqual(relativeTable(scored, ["m"])[at256].m.style?.perPair, { a: 0.8, b: 1 });
  const md = relativeMarkdown(like, ["m"], at256);
  assert.match(md, /### judged by m, relative to article robust at 256 px/);
  assert.match(md, /divided by the row "article robust at 256 px"'s on the same pair/);
  assert.match(md, /\| d \| \*\*2\.45\*\* \(a 2\.00, b 3\.00\) \|/);
  assert.match(relativeMarkdown(like, ["m"]), /divided by the article's robust ResNet-50 output's/);
});

Deno.test("toShortSide() and centreSquare() resize and crop as the judge expects", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // 2 x 4 image whose pixel value is its column index: the short side is already 2, so no
  // resampling; the centre square is columns 1 and 2.
  const img = tf.tidy(() =>
    tf.tile(tf.reshape(tf.range(0, 4), [1, 1, 4, 1]), [1, 2, 1, 3]) as tf.Tensor4D
  );
  const same = toShortSide(img, 2);
  assert.deepEqual(same.shape, [1, 2, 4, 3]);
  const quarter = tf.div(img, 4) as tf.Tensor4D;
  const sq = centreSquare(quarter, 2);
  assert.deepEqual(sq.shape, [1, 2, 2, 3]);
  assert.deepEqual(Array.from(await sq.data()).filter((_, i) => i % 3 === 0), [
    0.25,
    0.5,
    0.25,
    0.5,
  ]);
  const zeros = tf.zeros([1, 4, 6, 3]) as tf.Tensor4D;
  const half = toShortSide(zeros, 2);
  assert.deepEqual(half.shape, [1, 2, 3, 3]);
  tf.dispose([img, quarter, same, sq, zeros, half]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("pictureStrip() lays cells out in a grid with white gaps", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const a = tf.fill([1, 2, 3, 3], 0.25) as tf.Tensor4D;
  const b = tf.fill([1, 4, 6, 3], 0.5) as tf.Tensor4D;
  // Cells are 2 x 3 (a's size; b is halved, constant so exactly 0.5); gap 1:
  // (2 + 1 + 2) x (3 + 1 + 3).
  const strip = pictureStrip([[a, b], [b, a]], 2, 1);
  assert.deepEqual(strip.shape, [1, 5, 7, 3]);
  const data = await strip.data();
  const px = (y: number, x: number) => data[(y * 7 + x) * 3];
  assert.equal(px(0, 0), 0.25);
  assert.equal(px(0, 3), 1);
  assert.equal(px(0, 4), 0.5);
  assert.equal(px(2, 0), 1);
  assert.equal(px(3, 0), 0.5);
  assert.equal(px(4, 6), 0.25);
  assert.throws(() => pictureStrip([[a, b], [a]], 2), /differ in length/);
  tf.dispose([a, b, strip]);
  assert.equal(tf.memory().numTensors, before);
});
