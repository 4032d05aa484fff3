/**
 * `deno task bench --vs-torch`: the same Gatys objective evaluation (ResNet-50, the four stage
 * outputs, forward + gradient with respect to a 256x170 image) in Atelier on WASM and in PyTorch
 * on the CPU with all cores (scripts/bench_torch.py), alternated in one run so that both see the
 * same machine load. Reports the median of each and the ratio; writes bench/vs_torch.md and
 * .json. Skipped, with a message, where no Python with torch and torchvision is found (Debian:
 * `apt-get install python3-torch python3-torchvision`, plus `libopenblas0` — with Debian's
 * reference BLAS the Gram products alone take seconds). Not a test: CI does not need torch.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { tf, useBackend } from "./lib/tf_node.ts";
import { readImage } from "./lib/image_io.ts";
import { wasmThreadsCount } from "./lib/wasm_threads.ts";
import { loadNet } from "../src/shared/nets/loader.ts";
import { median, objectiveEvaluation } from "../src/shared/bench.ts";

/** Options of compareWithTorch(). */
export interface VsTorchOptions {
  root: string;
  size: number;
  content: string;
  style: string;
  out: string;
  /** Alternating rounds; each times 3 evaluations on each side. */
  rounds?: number;
}

/** First interpreter that imports torch and torchvision: $ATELIER_PYTHON, then Debian's, then PATH's. */
async function findPython(): Promise<string | undefined> {
  const env = Deno.env.get("ATELIER_PYTHON");
  for (const py of [env, "/usr/bin/python3", "python3"].filter((p): p is string => !!p)) {
    try {
      const r = await new Deno.Command(py, {
        args: ["-c", "import torch, torchvision"],
        stdout: "null",
        stderr: "null",
      }).output();
      if (r.success) return py;
    } catch {
      // not installed under that name
    }
  }
  return undefined;
}

async function torchMs(py: string, script: string, h: number, w: number, threads: number) {
  const r = await new Deno.Command(py, {
    args: [script, "--height", `${h}`, "--width", `${w}`, "--reps", "3", "--threads", `${threads}`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(r.stdout).trim();
  if (!r.success) throw new Error(new TextDecoder().decode(r.stderr).trim().split("\n").at(-1));
  return JSON.parse(text.split("\n").at(-1)!) as { ms: number; threads: number; torch: string };
}

/** Runs the comparison and writes the report; returns without one when torch is absent. */
export async function compareWithTorch(o: VsTorchOptions): Promise<void> {
  const py = await findPython();
  if (!py) {
    console.log(
      "--vs-torch: skipped, no python3 with torch and torchvision (apt-get install python3-torch python3-torchvision libopenblas0)",
    );
    return;
  }
  await useBackend("wasm");
  const net = await loadNet(pathToFileURL(join(o.root, "static/models/resnet50/manifest.json")));
  const content = await readImage(o.content, o.size);
  const style = await readImage(o.style, o.size);
  const ev = objectiveEvaluation(net, content, style);
  const [, h, w] = ev.shape;
  const threads = navigator.hardwareConcurrency;
  const script = join(o.root, "scripts/bench_torch.py");
  await ev.run();
  const ours: number[] = [];
  const theirs: number[] = [];
  const theirs1: number[] = [];
  let version = "";
  for (let round = 0; round < (o.rounds ?? 3); round++) {
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await ev.run();
      ours.push(performance.now() - t);
    }
    const r = await torchMs(py, script, h, w, threads);
    theirs.push(r.ms);
    version = r.torch;
    // One torch thread too: the per-core comparison.
    theirs1.push((await torchMs(py, script, h, w, 1)).ms);
  }
  ev.dispose();
  tf.dispose([content, style]);
  net.dispose();
  const a = median(ours);
  const b = median(theirs);
  const b1 = median(theirs1);
  const result = {
    date: new Date().toISOString(),
    shape: [1, h, w, 3],
    gflopPerEval: ev.flops / 1e9,
    atelier: {
      backend: "wasm",
      threads: wasmThreadsCount(),
      ms: a,
      gflops: ev.flops / a / 1e6,
      runs: ours,
    },
    torch: { version, threads, ms: b, gflops: ev.flops / b / 1e6, runs: theirs },
    torch1: { version, threads: 1, ms: b1, gflops: ev.flops / b1 / 1e6, runs: theirs1 },
    ratio: a / b,
    ratio1: a / b1,
  };
  const line = `resnet50 ${w}x${h}, one objective evaluation: Atelier wasm ${a.toFixed(0)} ms (${
    result.atelier.gflops.toFixed(1)
  } GFLOP/s, ${result.atelier.threads} thread(s)), PyTorch ${version} ${threads} threads ${
    b.toFixed(0)
  } ms, one thread ${b1.toFixed(0)} ms: Atelier / PyTorch = ${
    result.ratio.toFixed(2)
  } (all threads), ${result.ratio1.toFixed(2)} (one thread)`;
  console.log(line);
  await Deno.mkdir(o.out, { recursive: true });
  await Deno.writeTextFile(join(o.out, "vs_torch.json"), JSON.stringify(result, null, 2) + "\n");
  await Deno.writeTextFile(
    join(o.out, "vs_torch.md"),
    `${line} (${
      result.date.slice(0, 10)
    }; medians of ${ours.length} and ${theirs.length} runs, alternated; GFLOP/s from Atelier's ${
      result.gflopPerEval.toFixed(2)
    } GFLOP per evaluation).\n`,
  );
}
