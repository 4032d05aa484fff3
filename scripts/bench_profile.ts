/**
 * `deno task bench --profile`: where one objective evaluation (src/shared/bench.ts) spends
 * its time, kernel by kernel. tf.profile() wraps every kernel the engine runs in the backend's
 * timer; on WASM kernels are synchronous, so each kernel's time is wall-clock time around its
 * call (tfjs-backend-wasm's time() is performance.now() before and after). On WebGPU the timer
 * reads GPU timestamp queries where the adapter has them. Kernels are grouped by name and input
 * shapes; the table lists the groups by total time with their share of the evaluation, call
 * count and shapes. Writes bench/profile_<net>.md and .json.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { tf, useBackend } from "./lib/tf_node.ts";
import { readImage } from "./lib/image_io.ts";
import { loadNet } from "../src/shared/nets/loader.ts";
import { median, objectiveEvaluation } from "../src/shared/bench.ts";
import { wasmThreadsCount } from "./lib/wasm_threads.ts";

/** Unprofiled evaluations timed for the headline (its median), after two warm-ups. */
const PLAIN_RUNS = 7;

/** Options of profileEvaluations(). */
export interface ProfileOptions {
  root: string;
  nets: string[];
  size: number;
  backends: string[];
  content: string;
  style: string;
  out: string;
  /** Rows printed and written per table. */
  top?: number;
}

/** One group of kernels: same name and input shapes. */
export interface KernelRow {
  kernel: string;
  shapes: string;
  calls: number;
  ms: number;
  share: number;
}

/** Profiles one warm evaluation per network and backend; prints and writes the tables. */
export async function profileEvaluations(o: ProfileOptions): Promise<void> {
  const top = o.top ?? 25;
  for (const backend of o.backends) {
    try {
      await useBackend(backend);
    } catch (e) {
      console.log(`profile ${backend}: skipped (${(e as Error).message})`);
      continue;
    }
    await Deno.mkdir(o.out, { recursive: true });
    for (const netId of o.nets) {
      const net = await loadNet(
        pathToFileURL(join(o.root, "static/models", netId, "manifest.json")),
      );
      const content = await readImage(o.content, o.size);
      const style = await readImage(o.style, o.size);
      const ev = objectiveEvaluation(net, content, style);
      // Two warm-ups: kernel compilation, flipped kernels, allocator growth.
      for (let i = 0; i < 2; i++) await ev.run();
      const t0 = performance.now();
      const info = await tf.profile(() => ev.run());
      const wallMs = performance.now() - t0;
      // The profiler's per-kernel timing adds overhead: the headline is unprofiled.
      const plain: number[] = [];
      for (let i = 0; i < PLAIN_RUNS; i++) {
        const t = performance.now();
        await ev.run();
        plain.push(performance.now() - t);
      }
      const evalMs = median(plain);
      const groups = new Map<string, KernelRow>();
      let kernelMs = 0;
      for (const k of info.kernels) {
        // A customGrad op is profiled as "unnamed scope" around the kernels it runs, which are
        // profiled too: its time is listed but not added to the total.
        const wrapper = k.name === "unnamed scope";
        const ms = Number(await k.kernelTimeMs) || 0;
        const shapes = k.inputShapes.map((s) => `[${s}]`).join(" ");
        const key = `${k.name} ${shapes}`;
        const row = groups.get(key) ?? { kernel: k.name, shapes, calls: 0, ms: 0, share: 0 };
        row.calls++;
        row.ms += ms;
        groups.set(key, row);
        if (!wrapper) kernelMs += ms;
      }
      const byKernel = new Map<string, KernelRow>();
      for (const r of groups.values()) {
        const row = byKernel.get(r.kernel) ??
          { kernel: r.kernel, shapes: "", calls: 0, ms: 0, share: 0 };
        row.calls += r.calls;
        row.ms += r.ms;
        byKernel.set(r.kernel, row);
      }
      const sortRows = (m: Map<string, KernelRow>) =>
        [...m.values()].map((r) => ({ ...r, share: r.ms / kernelMs })).sort((a, b) => b.ms - a.ms);
      const kernels = sortRows(byKernel);
      const shapes = sortRows(groups);
      const gflops = ev.flops / (evalMs / 1000) / 1e9;
      const on = backend === "wasm" ? `wasm (${wasmThreadsCount()} threads)` : backend;
      const head = `${netId} ${ev.shape[2]}x${ev.shape[1]} on ${on}: one evaluation ${
        evalMs.toFixed(0)
      } ms (median of ${PLAIN_RUNS} unprofiled), ${wallMs.toFixed(0)} ms under the profiler (${
        kernelMs.toFixed(0)
      } ms in ${info.kernels.length} kernels), ${(ev.flops / 1e9).toFixed(2)} GFLOP, ${
        gflops.toFixed(2)
      } GFLOP/s`;
      const table = (rows: KernelRow[], withShapes: boolean) =>
        [
          `| kernel |${withShapes ? " input shapes |" : ""} calls | ms | share |`,
          `| --- |${withShapes ? " --- |" : ""} --: | --: | --: |`,
          ...rows.slice(0, top).map((r) =>
            `| ${r.kernel} |${withShapes ? ` ${r.shapes} |` : ""} ${r.calls} | ${
              r.ms.toFixed(1)
            } | ${(r.share * 100).toFixed(1)}% |`
          ),
        ].join("\n");
      const md = [
        head,
        "",
        `By kernel (share of the ${kernelMs.toFixed(0)} ms in kernels; "unnamed scope" is the`,
        "customGrad wrapper of the forward-conv gradient, whose time includes the Conv2D inside it",
        "and is not counted in the total):",
        "",
        table(kernels, false),
        "",
        `Top ${top} by kernel and input shapes:`,
        "",
        table(shapes, true),
      ].join("\n");
      console.log(md + "\n");
      const base = join(o.out, `profile_${netId}${backend === "wasm" ? "" : "_" + backend}`);
      await Deno.writeTextFile(base + ".md", md + "\n");
      await Deno.writeTextFile(
        base + ".json",
        JSON.stringify(
          {
            date: new Date().toISOString(),
            net: netId,
            backend,
            shape: ev.shape,
            evalMs,
            wallMs,
            kernelMs,
            flops: ev.flops,
            threads: backend === "wasm" ? wasmThreadsCount() : undefined,
            kernels,
            byShape: shapes,
          },
          null,
          2,
        ) + "\n",
      );
      ev.dispose();
      tf.dispose([content, style]);
      net.dispose();
    }
  }
}

/**
 * The `--profile` and `--vs-torch` hooks of scripts/bench.ts: its flags, one size (256 unless
 * told), WASM unless told; then exits.
 */
export async function runFromBench(
  root: string,
  a: { nets?: string; sizes?: string; backends?: string; out?: string; "vs-torch"?: boolean },
): Promise<never> {
  const given = (flag: string) => Deno.args.some((x) => x === flag || x.startsWith(flag + "="));
  const images = join(root, "..", "shared", "images");
  if (a["vs-torch"]) {
    const { compareWithTorch } = await import("./bench_vs_torch.ts");
    await compareWithTorch({
      root,
      size: given("--sizes") ? Number(a.sizes!.split(",")[0]) : 256,
      content: join(images, "content/chelsea.png"),
      style: join(images, "style/starry_night.jpg"),
      out: a.out!,
    });
    Deno.exit(0);
  }
  await profileEvaluations({
    root,
    nets: a.nets!.split(","),
    size: given("--sizes") ? Number(a.sizes!.split(",")[0]) : 256,
    backends: given("--backends") ? a.backends!.split(",") : ["wasm"],
    content: join(images, "content/chelsea.png"),
    style: join(images, "style/starry_night.jpg"),
    out: a.out!,
  });
  Deno.exit(0);
}
