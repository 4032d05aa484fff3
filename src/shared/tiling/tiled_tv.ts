/**
 * tvLoss() (losses/tv.ts) tile by tile (issue 14): TV is local, a mean of squared differences
 * of neighbouring pixels, so a tile owns the differences that start in its core (the pixel and
 * the one below it, the pixel and the one right of it). A tile reads its core plus one row below
 * and one column right (clamped to the image); the sums over tiles are the whole image's, and no
 * whole-image temporary is ever made (the untiled TV gradient takes about six image-sized
 * buffers: slices, differences and their gradients).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Span, Tile, TileGrid } from "./grid.ts";

/** The pixels a tile's TV share reads: its core plus one row below, one column right. */
export function tvBlock(tile: Tile, grid: Pick<TileGrid, "height" | "width">): [Span, Span] {
  const [rows, cols] = tile.core;
  return [
    { start: rows.start, end: Math.min(grid.height, rows.end + 1) },
    { start: cols.start, end: Math.min(grid.width, cols.end + 1) },
  ];
}

/** The neighbour-difference counts of tvLoss()'s two means over a height x width RGB image. */
export function tvCounts(grid: Pick<TileGrid, "height" | "width">) {
  return {
    vertical: (grid.height - 1) * grid.width * 3,
    horizontal: grid.height * (grid.width - 1) * 3,
  };
}

/**
 * The tile's share of tvLoss() of the whole image, from its block (tvBlock(), [1, bh, bw, 3]):
 * Σ (vertical differences it owns)² / Nv + Σ (horizontal ones)² / Nh, with tvLoss()'s counts
 * (tvCounts()). Summed over the tiles this is tvLoss(image). Caller disposes.
 */
export function tileTv(
  block: tf.Tensor4D,
  tile: Tile,
  grid: Pick<TileGrid, "height" | "width">,
): tf.Scalar {
  const [rows, cols] = tile.core;
  const ch = rows.end - rows.start;
  const cw = cols.end - cols.start;
  const [, bh, bw, c] = block.shape;
  const n = tvCounts(grid);
  return tf.tidy(() => {
    let s: tf.Scalar = tf.scalar(0);
    // Vertical: core columns, the pair (y, y + 1) for every core row y with y + 1 in the image.
    if (bh > 1 && n.vertical > 0) {
      const below = tf.slice(block, [0, 1, 0, 0], [1, bh - 1, cw, c]);
      const above = tf.slice(block, [0, 0, 0, 0], [1, bh - 1, cw, c]);
      s = tf.add(s, tf.div(tf.sum(tf.squaredDifference(below, above)), n.vertical));
    }
    // Horizontal: core rows, the pair (x, x + 1) for every core column x with x + 1 in the image.
    if (bw > 1 && n.horizontal > 0) {
      const right = tf.slice(block, [0, 0, 1, 0], [1, ch, bw - 1, c]);
      const left = tf.slice(block, [0, 0, 0, 0], [1, ch, bw - 1, c]);
      s = tf.add(s, tf.div(tf.sum(tf.squaredDifference(right, left)), n.horizontal));
    }
    return s;
  });
}
