/**
 * Peak tfjs bytes of a whole tiled stylize() run (issue 14): the tile's pass plus every
 * whole-image buffer the run keeps (parameter, gradient, the optimiser's vectors and L-BFGS
 * history), which one evaluation's benchmark (bench_large.ts) does not see. Runs a network with
 * a forced tile (--tile) or under a memory budget that the planner tiles (--budget, MB = 10^6 B),
 * at each size and history, and prints peak bytes two ways: sampled after each tile and
 * iteration, above the net, the photo, the painting and what earlier rows left (what lives
 * across tiles), and the exact peak above the loaded net alone (the largest tf.memory().numBytes
 * at any allocation, inside a tile's pass included). Under --budget it also prints the planner's
 * modelled peak (the largest planRunTiles() peakBytes over the run's scales), which should not be
 * below the exact one (MEASURED_COSTS, plan.ts).
 *
 * Usage: deno run -A scripts/bench_run_memory.ts [--net darknet-tiny] [--content chelsea.png]
 *        [--sizes 256,384] [--histories 1,4] [--tile 128 | --budget 400] [--iterations 6]
 *        [--host-vectors]
 *
 * `--host-vectors` keeps every L-BFGS vector in JS memory (MemoryBudget.hostVectors), as the
 * planner does on WASM when host history does not fit (HOST_RUN_BYTES_PER_PIXEL).
 */
import { parseArgs } from "node:util";
import { cliArgs } from "./lib/cli_args.ts";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { tf, useBackend } from "./lib/tf_node.ts";
import { readImage } from "./lib/image_io.ts";
import { loadNet } from "../src/shared/nets/loader.ts";
import { stylize } from "../src/shared/render.ts";
import { runToEnd } from "../src/shared/run.ts";
import { defaultRecipe } from "../src/shared/recipe.ts";
import { planScales } from "../src/shared/pyramid.ts";
import { type MemoryBudget, planRunTiles } from "../src/shared/tiled_run.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values: a } = cliArgs(import.meta.url, (args) =>
  parseArgs({
    args,
    options: {
      net: { type: "string", default: "darknet-tiny" },
      content: { type: "string", default: "chelsea.png" },
      sizes: { type: "string", default: "256,384" },
      histories: { type: "string", default: "1,4" },
      tile: { type: "string", default: "128" },
      budget: { type: "string" },
      iterations: { type: "string", default: "6" },
      backend: { type: "string", default: "wasm" },
      "host-vectors": { type: "boolean", default: false },
    },
  }));
await useBackend(a.backend!);
const net = await loadNet(pathToFileURL(join(ROOT, "static/models", a.net!, "manifest.json")));
const shared = (p: string) => join(ROOT, "../shared/images", p);
// The exact peak's baseline: the loaded net alone, before any pass (so every row counts the
// flipped kernels that the first backward pass makes and keeps, as MEASURED_COSTS' fixed part
// does, and the face's photo and painting).
const netBytes = tf.memory().numBytes;

// tf.memory().numBytes grows only where the engine tracks a new tensor, so its largest value
// there is the exact peak (tf.profile's kernel log overflows the stack on runs this long).
const engine = tf.engine() as unknown as {
  state: { numBytes: number };
  trackTensor: (...args: unknown[]) => void;
};
const track = engine.trackTensor.bind(engine);
let high = 0;
engine.trackTensor = (...args) => {
  track(...args);
  high = Math.max(high, engine.state.numBytes);
};

const memory: MemoryBudget = a.budget
  ? { bytes: Number(a.budget) * 1e6, backend: a.backend }
  : { bytes: Infinity, tile: Number(a.tile), hostVectors: a["host-vectors"] };
const MB = (n: number) => Number.isNaN(n) ? "-" : (n / 1e6).toFixed(1);
console.log(
  `${a.net}, ${a.budget ? `budget ${a.budget} MB` : `tile ${a.tile}`}, ${a.backend}\n\n` +
    "| size | px | history | last scale's plan | iterations | sampled peak (MB) | " +
    "exact peak (MB) | modelled peak (MB) | exact B/px |",
);
console.log("| ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |");
for (const size of a.sizes!.split(",").map(Number)) {
  for (const history of a.histories!.split(",").map(Number)) {
    const content = await readImage(shared(`content/${a.content}`), size);
    const style = await readImage(shared("style/starry_night.jpg"), 256);
    const recipe = defaultRecipe(net, {
      size,
      iterations: Number(a.iterations),
      optimizer: { kind: "lbfgs", history },
      seed: 1,
      // The stated size, also where the architecture would supersample.
      supersample: 1,
    });
    const [, h, w] = content.shape;
    // The planner's figure for the run: its largest scale's peak, as stylize() plans them.
    const plans = planScales(h, w, recipe).map((s) => planRunTiles(net, recipe, s, memory)!);
    const modelled = Math.max(...plans.map((p) => p.peakBytes));
    const last = plans[plans.length - 1];
    const before = tf.memory().numBytes;
    // Sampled after each tile and iteration: what lives across tiles.
    let peak = 0;
    const sample = () => {
      peak = Math.max(peak, tf.memory().numBytes - before);
    };
    high = 0;
    const { result } = await runToEnd(
      stylize(net, { content, styles: [style] }, recipe, {
        previewEvery: 0,
        memory,
        onTile: sample,
      }),
      { onEvent: sample },
    );
    const exact = high - netBytes;
    const iterations = result.iterations;
    result.image.dispose();
    const how = !last.tiled ? "untiled" : `${last.tiles} x ${last.tile} px, crop ${last.crop}` +
      (last.hostVectors ? ", host vectors" : last.hostHistory ? ", host history" : "") +
      (last.history ? `, m = ${last.history}` : "");
    console.log(
      `| ${size} | ${h * w} | ${history} | ${how} | ${iterations} | ${MB(peak)} | ${MB(exact)} | ${
        MB(modelled)
      } | ${(exact / (h * w)).toFixed(0)} |`,
    );
    tf.dispose([content, style]);
  }
}
