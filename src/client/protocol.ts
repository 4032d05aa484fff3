/**
 * Messages between the studio page and the engine worker. Images cross as RGBA bytes (their
 * buffers are transferred, not copied); recipes cross as plain JSON and the worker validates
 * them with the shared schema.
 */
import type { LayerInfo } from "../shared/nets/manifest.ts";
import type { StylizeEvent } from "../shared/render.ts";
import type { TileProgress } from "../shared/tiled_run.ts";
import type { VisEvent, VisTarget } from "../shared/featurevis.ts";
import type { ParamSpec, RecipeInput, ScaleRun, TransformsSpec } from "../shared/types.ts";

export const BACKENDS = ["webgpu", "webgl", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKENDS)[number];

/** RGBA pixels, row-major. */
export interface RawImage {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

/** What the running backend can hold (see limits.ts). */
export interface DeviceLimits {
  /** Largest single tensor in bytes (WebGPU storage buffer binding). */
  maxTensorBytes: number;
  /** Largest texture side (WebGL), or Infinity. */
  maxTextureSize: number;
  /** Rough memory the backend can use for activations, bytes. */
  memoryBytes: number;
  /** Most output pixels one convolution may have (WebGPU: webgpuMaxConvPixels()), if limited. */
  maxConvPixels?: number;
}

export interface BackendInfo {
  name: BackendName;
  /** One line on what this backend means for speed. */
  note: string;
  /** Backends tried before this one and why each failed. */
  failed: { name: BackendName; reason: string }[];
  limits: DeviceLimits;
  /** WASM and CPU: the threads the kernels run on. */
  threads?: number;
  /** WebGPU and WebGL: the adapter or renderer, as the browser names it. */
  adapter?: string;
}

export type ToWorker =
  | { type: "init"; backend?: BackendName }
  | { type: "load"; modelId: string }
  | {
    type: "run";
    recipe: RecipeInput;
    content: RawImage;
    styles: RawImage[];
    previewEvery: number;
    /** Forces tiles of this side on every larger scale (the page's ?tile=N: browser tests). */
    tile?: number;
  }
  | { type: "visualize"; request: VisRequest }
  | { type: "pause" }
  | { type: "resume" }
  | { type: "stop" };

export interface RunResult {
  image: RawImage;
  iterations: number;
  loss: number;
  /** Objective evaluations in all (recorded in the recipe's run record). */
  evaluations: number;
  aborted: boolean;
  elapsedMs: number;
  /** The scales reached, coarse to fine, with the iterations done at each. */
  scales: ScaleRun[];
}

/** A feature visualisation ("what does this network see?"): visualize() on `modelId`. */
export interface VisRequest {
  modelId: string;
  target: VisTarget;
  size: number;
  iterations: number;
  param: ParamSpec;
  transforms?: TransformsSpec;
  seed: number;
  learningRate?: number;
  previewEvery: number;
}

export interface VisOutcome {
  image: RawImage;
  /** The target's activation on the final image, without transforms. */
  activation: number;
  iterations: number;
  aborted: boolean;
  elapsedMs: number;
}

export type FromWorker =
  | { type: "backend"; info: BackendInfo }
  | { type: "loadProgress"; modelId: string; loaded: number; total: number }
  | { type: "loaded"; modelId: string; architecture: string; layers: LayerInfo[]; sha256?: string }
  /** One per iteration; a coarse-to-fine run's events carry `scale` (which scale is running). */
  | { type: "progress"; event: StylizeEvent }
  /**
   * A tiled evaluation's progress (issue 14): at most about 10 a second, plus each pass's last
   * tile. `scale` counts from 0 of `scales`.
   */
  | { type: "tile"; progress: TileProgress & { scale: number; scales: number } }
  | { type: "tooLarge"; size: number; maxSize: number; reason: string }
  | { type: "done"; result: RunResult }
  | { type: "visProgress"; event: VisEvent }
  | { type: "visDone"; result: VisOutcome }
  | {
    type: "error";
    phase: "init" | "load" | "run" | "visualize";
    message: string;
    deviceLost?: boolean;
  };
