/**
 * Peak tfjs bytes of a whole tiled stylize() run (issue 14): the tile's pass plus every
 * whole-image buffer the run keeps (parameter, gradient, the optimiser's vectors and L-BFGS
 * history), which one evaluation's benchmark (bench_large.ts) does not see. Runs Darknet-tiny
 * with a forced tile at each size and history, and prints sampled peak bytes above the loaded
 * net (after each tile and iteration: a lower bound of the true peak).
 *
 *   deno run -A scripts/bench_run_memory.ts [--sizes 256,384] [--histories 1,4] [--tile 128]
 *        [--iterations 6] [--host-vectors]
 *
 * `--host-vectors` keeps every L-BFGS vector in JS memory (MemoryBudget.hostVectors), as the
 * planner does on WASM when host history does not fit (HOST_RUN_BYTES_PER_PIXEL).
 */
import { parseArgs } from "node:util";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { tf, useBackend } from "./lib/tf_node.ts";
import { readImage } from "./lib/image_io.ts";
import { loadNet } from "../src/shared/nets/loader.ts";
import { stylize } from "../src/shared/render.ts";
import { runToEnd } from "../src/shared/run.ts";
import { defaultRecipe } from "../src/shared/recipe.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values: a } = parseArgs({
  args: Deno.args,
  options: {
    sizes: { type: "string", default: "256,384" },
    histories: { type: "string", default: "1,4" },
    tile: { type: "string", default: "128" },
    iterations: { type: "string", default: "6" },
    backend: { type: "string", default: "wasm" },
    "host-vectors": { type: "boolean", default: false },
  },
});
await useBackend(a.backend!);
const net = await loadNet(pathToFileURL(join(ROOT, "static/models/darknet-tiny/manifest.json")));
const shared = (p: string) => join(ROOT, "../shared/images", p);
console.log("| size | px | history | iterations | peak above net (MB) | B/px |");
console.log("| ---: | ---: | ---: | ---: | ---: | ---: |");
for (const size of a.sizes!.split(",").map(Number)) {
  for (const history of a.histories!.split(",").map(Number)) {
    const content = await readImage(shared("content/chelsea.png"), size);
    const style = await readImage(shared("style/starry_night.jpg"), 256);
    const before = tf.memory().numBytes;
    // Sampled after each tile and iteration (tf.profile's kernel log overflows the stack on
    // runs this long): a lower bound of the peak that sees every buffer living across tiles.
    let peak = 0;
    const sample = () => {
      peak = Math.max(peak, tf.memory().numBytes - before);
    };
    const { result } = await runToEnd(
      stylize(
        net,
        { content, styles: [style] },
        defaultRecipe(net, {
          size,
          iterations: Number(a.iterations),
          optimizer: { kind: "lbfgs", history },
          seed: 1,
        }),
        {
          previewEvery: 0,
          memory: { bytes: Infinity, tile: Number(a.tile), hostVectors: a["host-vectors"] },
          onTile: sample,
        },
      ),
      { onEvent: sample },
    );
    const iterations = result.iterations;
    result.image.dispose();
    const [, h, w] = content.shape;
    console.log(
      `| ${size} | ${h * w} | ${history} | ${iterations} | ${(peak / 1e6).toFixed(1)} | ${
        (peak / (h * w)).toFixed(0)
      } |`,
    );
    tf.dispose([content, style]);
  }
}
