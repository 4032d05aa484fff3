/**
 * Seam check of a tiled run against the same run untiled (issue 14, ResNet-50's approximate
 * halo): at every tile line, the mean absolute step between the two pixel lines that meet there
 * (a seam is a step the untiled image does not have), next to the median step of the 40 lines
 * around it; the mean |tiled − untiled| within 8 px of a tile line and elsewhere; and a 100%
 * crop across the first tile corner: tiled | untiled | 8 x |difference|.
 *
 * Usage: deno run -A scripts/seam_check.ts TILED.png UNTILED.png --tile 384 --out PREFIX
 * (writes PREFIX.json and PREFIX_crop100.png).
 */
import { parseArgs } from "node:util";
import { cliArgs, scriptUsage } from "./lib/cli_args.ts";
import { tf, useBackend } from "./lib/tf_node.ts";
import { encodePng, readImage } from "./lib/image_io.ts";

const { values: a, positionals } = cliArgs(import.meta.url, (args) =>
  parseArgs({
    args,
    options: { tile: { type: "string" }, out: { type: "string" } },
    allowPositionals: true,
  }));
const tile = Number(a.tile);
if (positionals.length !== 2 || !(tile > 0) || !a.out) {
  console.error(`error: two images, --tile and --out are needed\n${scriptUsage(import.meta.url)}`);
  Deno.exit(2);
}
await useBackend("cpu");
const [ti, ui] = [await readImage(positionals[0]), await readImage(positionals[1])];
const [, h, w] = ti.shape;
if (ui.shape[1] !== h || ui.shape[2] !== w) {
  console.error(`sizes differ: ${w}x${h} vs ${ui.shape[2]}x${ui.shape[1]}`);
  Deno.exit(2);
}
const t = await ti.data();
const u = await ui.data();
const at = (img: ArrayLike<number>, y: number, x: number, c: number) => img[(y * w + x) * 3 + c];

/** Mean |I(line k) − I(line k − 1)| over the other axis and the channels. */
function step(img: ArrayLike<number>, axis: "x" | "y", k: number): number {
  let sum = 0;
  const n = axis === "x" ? h : w;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      sum += axis === "x"
        ? Math.abs(at(img, i, k, c) - at(img, i, k - 1, c))
        : Math.abs(at(img, k, i, c) - at(img, k - 1, i, c));
    }
  }
  return sum / (3 * n);
}

const median = (xs: number[]) => xs.sort((p, q) => p - q)[Math.floor(xs.length / 2)];
const lines: Record<string, Record<string, number>> = {};
for (const [axis, n] of [["x", w], ["y", h]] as const) {
  for (let k = tile; k < n; k += tile) {
    const near = [];
    for (let j = k - 20; j <= k + 20; j++) if (j !== k && j > 0 && j < n) near.push(j);
    lines[`${axis} = ${k}`] = {
      tiledStep: step(t, axis, k),
      tiledMedianAround: median(near.map((j) => step(t, axis, j))),
      untiledStep: step(u, axis, k),
      untiledMedianAround: median(near.map((j) => step(u, axis, j))),
    };
  }
}
let nearSum = 0, nearN = 0, farSum = 0, farN = 0, max = 0;
for (let y = 0; y < h; y++) {
  for (let x = 0; x < w; x++) {
    const near = (x % tile < 8 || x % tile >= tile - 8) && x >= 8 && x < w - 8 ||
      (y % tile < 8 || y % tile >= tile - 8) && y >= 8 && y < h - 8;
    let d = 0;
    for (let c = 0; c < 3; c++) {
      const e = Math.abs(at(t, y, x, c) - at(u, y, x, c));
      d += e / 3;
      max = Math.max(max, e);
    }
    if (near) (nearSum += d, nearN++);
    else (farSum += d, farN++);
  }
}
const result = {
  tiled: positionals[0],
  untiled: positionals[1],
  width: w,
  height: h,
  tile,
  lines,
  meanAbsDiffNearLines: nearSum / nearN,
  meanAbsDiffElsewhere: farSum / farN,
  maxAbsDiff: max,
};
console.log(JSON.stringify(result, null, 2));
await Deno.writeTextFile(`${a.out}.json`, JSON.stringify(result, null, 2) + "\n");

// 256 x 256 at 100% around the first tile corner: tiled | untiled | 8 x |difference|.
const c = 128;
const y0 = Math.max(0, Math.min(h - 2 * c, tile - c));
const x0 = Math.max(0, Math.min(w - 2 * c, tile - c));
const strip = tf.tidy(() => {
  const crop = (img: tf.Tensor4D) => tf.slice(img, [0, y0, x0, 0], [1, 2 * c, 2 * c, 3]);
  const diff = tf.clipByValue(tf.mul(tf.abs(tf.sub(crop(ti), crop(ui))), 8), 0, 1);
  const gap = tf.ones([1, 2 * c, 8, 3]);
  return tf.concat([crop(ti), gap, crop(ui), gap, diff], 2) as tf.Tensor4D;
});
await Deno.writeFile(`${a.out}_crop100.png`, await encodePng(strip));
tf.dispose([strip, ti, ui]);
console.log(`crop origin x ${x0}, y ${y0}: wrote ${a.out}.json and ${a.out}_crop100.png`);
