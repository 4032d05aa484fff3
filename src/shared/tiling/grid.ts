/**
 * The tile grid of one image: cores that partition it, each with the crop that the network
 * reads for it (core plus halo, clamped to the image). Crops start on multiples of the deepest
 * layer's jump, so a crop's feature grid is a sub-grid of the whole image's.
 */
import { MIN_SIZE } from "../types.ts";
import type { Halo, Pair } from "./receptive_field.ts";

/** A half-open interval of pixels (or features) along one axis. */
export interface Span {
  start: number;
  end: number;
}

/** One tile: its core (owned pixels) and its crop (pixels the network reads), per axis. */
export interface Tile {
  /** Row and column in the grid. */
  index: Pair;
  core: [Span, Span];
  crop: [Span, Span];
}

/** Options of tileGrid(). */
export interface TileGridOptions {
  /** Core side in pixels, per axis; rounded down to a multiple of `halo.align` (at least one). */
  tile: number | Pair;
  halo: Halo;
}

/** The tiles of an image of height x width, row by row. */
export interface TileGrid {
  height: number;
  width: number;
  /** Core side actually used, per axis (a multiple of the alignment). */
  tile: Pair;
  halo: Halo;
  tiles: Tile[];
}

/** Spans along one axis of n pixels. */
function spans(n: number, tile: number, before: number, after: number, align: number) {
  const out: { core: Span; crop: Span }[] = [];
  for (let a = 0; a < n; a += tile) {
    const b = Math.min(n, a + tile);
    let start = Math.max(0, Math.floor((a - before) / align) * align);
    let end = Math.min(n, b + after);
    // Networks need MIN_SIZE px; more context never changes the core's features.
    if (end - start < MIN_SIZE) end = Math.min(n, start + MIN_SIZE);
    while (end - start < MIN_SIZE && start > 0) start = Math.max(0, start - align);
    out.push({ core: { start: a, end: b }, crop: { start, end } });
  }
  return out;
}

/** Splits an image into tiles whose crops carry `halo`. */
export function tileGrid(height: number, width: number, options: TileGridOptions): TileGrid {
  const { halo } = options;
  if (!(height >= MIN_SIZE && width >= MIN_SIZE)) {
    throw new RangeError(`Image is ${width}x${height}: tiling needs at least ${MIN_SIZE} px`);
  }
  const want: Pair = typeof options.tile === "number" ? [options.tile, options.tile] : options.tile;
  const tile: Pair = [0, 0];
  for (const a of [0, 1] as const) {
    if (!(want[a] >= 1)) throw new RangeError(`Tile side ${want[a]} is invalid: expected >= 1`);
    tile[a] = Math.max(halo.align[a], Math.floor(want[a] / halo.align[a]) * halo.align[a]);
  }
  const rows = spans(height, tile[0], halo.before[0], halo.after[0], halo.align[0]);
  const cols = spans(width, tile[1], halo.before[1], halo.after[1], halo.align[1]);
  const tiles: Tile[] = [];
  rows.forEach((r, i) =>
    cols.forEach((c, j) =>
      tiles.push({ index: [i, j], core: [r.core, c.core], crop: [r.crop, c.crop] })
    )
  );
  return { height, width, tile, halo, tiles };
}
