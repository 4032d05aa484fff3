/**
 * tvLoss() (losses/tv.ts) tile by tile (issue 14): TV is local, a mean of squared differences
 * of neighbouring pixels, so a tile owns the differences that start in its core (at order k, the
 * k-th difference of the pixel and the k below it, and of the pixel and the k right of it). A
 * tile reads its core plus k rows below and k columns right (clamped to the image); the sums
 * over tiles are the whole image's, and no whole-image temporary is ever made (the untiled TV
 * gradient takes about six image-sized buffers: slices, differences and their gradients).
 */
import * as tf from "@tensorflow/tfjs-core";
import { tvDifference } from "../losses/tv.ts";
import type { Span, Tile, TileGrid } from "./grid.ts";

/** The pixels a tile's TV share of `order` reads: its core plus `order` rows below, columns right. */
export function tvBlock(
  tile: Tile,
  grid: Pick<TileGrid, "height" | "width">,
  order = 1,
): [Span, Span] {
  const [rows, cols] = tile.core;
  return [
    { start: rows.start, end: Math.min(grid.height, rows.end + order) },
    { start: cols.start, end: Math.min(grid.width, cols.end + order) },
  ];
}

/** The difference counts of tvLoss()'s two means at `order` over a height x width RGB image. */
export function tvCounts(grid: Pick<TileGrid, "height" | "width">, order = 1) {
  return {
    vertical: Math.max(0, grid.height - order) * grid.width * 3,
    horizontal: grid.height * Math.max(0, grid.width - order) * 3,
  };
}

/**
 * The tile's share of tvLoss(image, order) of the whole image, from its block (tvBlock() at the
 * same order, [1, bh, bw, 3]): Σ (vertical differences it owns)² / Nv + Σ (horizontal ones)² /
 * Nh, with tvLoss()'s counts (tvCounts()). Summed over the tiles this is tvLoss(image, order).
 * Caller disposes.
 */
export function tileTv(
  block: tf.Tensor4D,
  tile: Tile,
  grid: Pick<TileGrid, "height" | "width">,
  order = 1,
): tf.Scalar {
  const [rows, cols] = tile.core;
  const ch = rows.end - rows.start;
  const cw = cols.end - cols.start;
  const [, bh, bw, c] = block.shape;
  const n = tvCounts(grid, order);
  return tf.tidy(() => {
    let s: tf.Scalar = tf.scalar(0);
    // Vertical: core columns, the run (y .. y + order) for every core row y inside the image.
    if (bh > order && n.vertical > 0) {
      const d = tvDifference(tf.slice(block, [0, 0, 0, 0], [1, bh, cw, c]), 1, order);
      s = tf.add(s, tf.div(tf.sum(tf.square(d)), n.vertical));
    }
    // Horizontal: core rows, the run (x .. x + order) for every core column x inside the image.
    if (bw > order && n.horizontal > 0) {
      const d = tvDifference(tf.slice(block, [0, 0, 0, 0], [1, ch, bw, c]), 2, order);
      s = tf.add(s, tf.div(tf.sum(tf.square(d)), n.horizontal));
    }
    return s;
  });
}
