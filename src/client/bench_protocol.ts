/**
 * Messages between the /bench page (components/bench_view.tsx) and its worker
 * (bench_worker.ts), and the JSON report the page offers for download.
 */
import type { ConvGradMode } from "../shared/nets/net.ts";
import type { BackendName, DeviceLimits } from "./protocol.ts";

/** What to measure: every net x size on every backend. */
export interface BenchRequest {
  type: "run";
  backends: BackendName[];
  nets: string[];
  sizes: number[];
  /** Timed evaluations per case (median reported). */
  evaluations: number;
  /** Also time each case with the conv2d gradient forced both ways ("forward" and "tfjs"). */
  compareConvGrad: boolean;
}

/** One backend as this browser offers it. */
export interface BenchDevice {
  backend: BackendName;
  ok: boolean;
  /** Why it could not start. */
  reason?: string;
  /** GPU adapter or renderer name (WebGPU adapter info, WebGL's unmasked renderer). */
  adapter?: string;
  /** WASM threads. */
  threads?: number;
  limits?: DeviceLimits;
  /** The WebGPU device's own limits. */
  gpuLimits?: Record<string, number>;
}

/** One measured case. */
export interface BenchRow {
  backend: BackendName;
  net: string;
  size: number;
  convGrad: ConvGradMode;
  status: "ok" | "error";
  note?: string;
  shape?: number[];
  msPerEval?: number;
  times?: number[];
  flopsPerEval?: number;
  gflops?: number;
  peakBytes?: number;
}

export type FromBench =
  | { type: "device"; device: BenchDevice }
  | { type: "row"; row: BenchRow }
  | { type: "done" }
  | { type: "error"; message: string };

/** The downloadable report. */
export interface BenchReport {
  meta: {
    date: string;
    userAgent: string;
    hardwareConcurrency: number;
    crossOriginIsolated: boolean;
    evaluations: number;
    unit: string;
  };
  devices: BenchDevice[];
  rows: BenchRow[];
}
