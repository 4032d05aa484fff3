/** tileGrid() against a grid laid out by hand. */
import assert from "node:assert/strict";
import { tileGrid } from "../../../src/shared/tiling/grid.ts";
import type { Halo } from "../../../src/shared/tiling/receptive_field.ts";

// The synthetic net's halo (receptive_field_test.ts).
const halo: Halo = { before: [7, 3], after: [6, 2], align: [4, 4] };

Deno.test("tileGrid() partitions the image into cores and aligns every crop start", () => {
  // 100 x 70 in 32 px tiles. Rows: cores [0,32) [32,64) [64,96) [96,100); crop start =
  // floor((core - 7) / 4)·4 clamped to 0, end = core end + 6 clamped to 100:
  // [0,38) [24,70) [56,100) and [88,100), which is 12 px < 32: widened to [68,100).
  // Columns: cores [0,32) [32,64) [64,70); crops [0,34) [28,66) and [60,70), widened to [36,70).
  const g = tileGrid(100, 70, { tile: 35, halo });
  assert.deepEqual(g.tile, [32, 32]);
  const rows = [[0, 38], [24, 70], [56, 100], [68, 100]];
  const cols = [[0, 34], [28, 66], [36, 70]];
  assert.equal(g.tiles.length, 12);
  for (const t of g.tiles) {
    const [i, j] = t.index;
    assert.deepEqual(
      [t.core[0].start, t.core[0].end],
      [32 * i, Math.min(100, 32 * i + 32)],
    );
    assert.deepEqual([t.core[1].start, t.core[1].end], [32 * j, Math.min(70, 32 * j + 32)]);
    assert.deepEqual([t.crop[0].start, t.crop[0].end], rows[i]);
    assert.deepEqual([t.crop[1].start, t.crop[1].end], cols[j]);
  }
});

Deno.test("tileGrid() with a tile larger than the image is one tile, the whole image", () => {
  const g = tileGrid(40, 48, { tile: 64, halo });
  assert.equal(g.tiles.length, 1);
  assert.deepEqual(g.tiles[0].crop, [{ start: 0, end: 40 }, { start: 0, end: 48 }]);
  assert.throws(
    () => tileGrid(20, 48, { tile: 64, halo }),
    /Image is 48x20: tiling needs at least 32/,
  );
  assert.throws(() => tileGrid(40, 48, { tile: 0, halo }), /Tile side 0 is invalid/);
});
