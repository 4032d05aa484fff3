/**
 * The /bench page's worker: for each backend the page asks for, starts it (the studio's own
 * probe, tryBackend), describes the device, and times benchEvaluation() (src/shared/bench.ts,
 * the unit the CLI's `deno task bench --profile` times) for every network and size. A separate
 * worker from the studio's engine, so switching backends here leaves the studio alone.
 */
/// <reference lib="webworker" />
import { setWasmPaths, tf } from "./tf_setup.ts";
import { benchEvaluation } from "../shared/bench.ts";
import { loadNet } from "../shared/nets/mod.ts";
import type { ConvGradMode } from "../shared/nets/net.ts";
import { tryBackend } from "./backend_probe.ts";
import { cachedFetch } from "./cache_fetch.ts";
import { limitsOf } from "./device_limits.ts";
import { useSameOriginPthreads, wasmThreads } from "./wasm_threads.ts";
import type { BenchDevice, BenchRequest, FromBench } from "./bench_protocol.ts";
import type { BackendName } from "./protocol.ts";

declare const __WASM_FILES__: Record<string, string>;
declare const __WASM_PTHREAD_WORKER__: string;

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (msg: FromBench) => scope.postMessage(msg);

setWasmPaths(__WASM_FILES__);
tf.env().set("PROD", true);
useSameOriginPthreads(__WASM_PTHREAD_WORKER__);

/** The active backend's adapter and limits, as far as it tells. */
function describe(name: BackendName): BenchDevice {
  const d: BenchDevice = { backend: name, ok: true, limits: limitsOf(name) };
  if (name === "webgpu") {
    const b = tf.backend() as unknown as {
      adapterInfo?: { vendor?: string; architecture?: string; description?: string };
      device: GPUDevice;
    };
    const i = b.adapterInfo;
    d.adapter = [i?.vendor, i?.architecture, i?.description].filter(Boolean).join(" ");
    const l = b.device.limits;
    d.gpuLimits = {
      maxBufferSize: l.maxBufferSize,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    };
  } else if (name === "webgl") {
    const gl = (tf.backend() as unknown as { gpgpu?: { gl: WebGLRenderingContext } }).gpgpu?.gl;
    const ext = gl?.getExtension("WEBGL_debug_renderer_info");
    d.adapter = gl && ext ? String(gl.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : undefined;
  } else if (name === "wasm") {
    d.threads = wasmThreads();
  }
  return d;
}

async function run(req: BenchRequest): Promise<void> {
  for (const backend of req.backends) {
    const reason = await tryBackend(backend);
    if (reason !== undefined) {
      post({ type: "device", device: { backend, ok: false, reason } });
      continue;
    }
    post({ type: "device", device: describe(backend) });
    const modes: ConvGradMode[] = req.compareConvGrad ? ["tfjs", "forward"] : ["auto"];
    for (const net of req.nets) {
      let n;
      try {
        const url = new URL(`/models/${encodeURIComponent(net)}/manifest.json`, location.href);
        n = await loadNet(url, { fetch: cachedFetch });
      } catch (e) {
        for (const size of req.sizes) {
          post({
            type: "row",
            row: { backend, net, size, convGrad: "auto", status: "error", note: String(e) },
          });
        }
        continue;
      }
      try {
        for (const size of req.sizes) {
          for (const convGrad of modes) {
            try {
              const m = await benchEvaluation(n, size, {
                evaluations: req.evaluations,
                convGrad,
              });
              post({ type: "row", row: { backend, net, size, convGrad, status: "ok", ...m } });
            } catch (e) {
              const note = (e as Error).message?.split("\n")[0] ?? String(e);
              post({ type: "row", row: { backend, net, size, convGrad, status: "error", note } });
            }
          }
        }
      } finally {
        n.dispose();
      }
    }
  }
  post({ type: "done" });
}

scope.onmessage = (ev: MessageEvent<BenchRequest>) => {
  if (ev.data.type !== "run") return;
  run(ev.data).catch((e) => post({ type: "error", message: (e as Error).message ?? String(e) }));
};
