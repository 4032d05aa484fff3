/**
 * The page's handle on the engine worker: one worker, messages in, typed events out. Runs are
 * sequential; run() resolves with the result (or undefined when the worker refused the size).
 */
import type {
  BackendName,
  FromWorker,
  RawImage,
  RunResult,
  ToWorker,
  VisOutcome,
  VisRequest,
} from "../protocol.ts";
import type { RecipeInput } from "../../shared/types.ts";

/** Bundled worker URL, injected by scripts/build_client.ts. */
declare const __WORKER_URL__: string;

export type EngineListener = (msg: FromWorker) => void;

export class Engine {
  readonly #worker: Worker;
  readonly #listeners = new Set<EngineListener>();
  /**
   * The page's ?tile=N: every run tiles its scales larger than N px (issue 14's browser test
   * runs a tiled objective at a size that fits one pass).
   */
  readonly #tile = Number(new URLSearchParams(globalThis.location?.search).get("tile")) ||
    undefined;

  constructor(backend?: BackendName) {
    this.#worker = new Worker(__WORKER_URL__, { type: "module", name: "atelier-engine" });
    this.#worker.onmessage = (ev: MessageEvent<FromWorker>) => {
      for (const l of this.#listeners) l(ev.data);
    };
    this.#worker.onerror = (ev) => {
      const msg: FromWorker = {
        type: "error",
        phase: "init",
        message: `The engine worker failed: ${ev.message || "unknown error"}`,
      };
      for (const l of this.#listeners) l(msg);
    };
    this.#send({ type: "init", backend });
  }

  on(l: EngineListener): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }

  #send(msg: ToWorker, transfer: Transferable[] = []) {
    this.#worker.postMessage(msg, transfer);
  }

  /** Resolves when the model is loaded, rejects with the loader's message. */
  load(modelId: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const off = this.on((m) => {
        if (m.type === "loaded" && m.modelId === modelId) {
          off();
          resolve();
        } else if (m.type === "error" && m.phase === "load") {
          off();
          reject(new Error(m.message));
        }
      });
      this.#send({ type: "load", modelId });
    });
  }

  /** Runs a recipe; resolves with the result, or undefined when the size did not fit. */
  run(recipe: RecipeInput, content: RawImage, styles: RawImage[], previewEvery = 5) {
    return new Promise<RunResult | undefined>((resolve, reject) => {
      const off = this.on((m) => {
        if (m.type === "done") {
          off();
          resolve(m.result);
        } else if (m.type === "tooLarge") {
          off();
          resolve(undefined);
        } else if (m.type === "error" && (m.phase === "run" || m.phase === "load")) {
          off();
          reject(Object.assign(new Error(m.message), { deviceLost: m.deviceLost }));
        }
      });
      this.#send({ type: "run", recipe, content, styles, previewEvery, tile: this.#tile }, [
        content.rgba.buffer,
        ...styles.map((s) => s.rgba.buffer),
      ]);
    });
  }

  /** Runs a feature visualisation; progress arrives as "visProgress" events. */
  visualize(request: VisRequest): Promise<VisOutcome> {
    return new Promise<VisOutcome>((resolve, reject) => {
      const off = this.on((m) => {
        if (m.type === "visDone") {
          off();
          resolve(m.result);
        } else if (m.type === "error" && m.phase === "visualize") {
          off();
          reject(Object.assign(new Error(m.message), { deviceLost: m.deviceLost }));
        }
      });
      this.#send({ type: "visualize", request });
    });
  }

  pause() {
    this.#send({ type: "pause" });
  }
  resume() {
    this.#send({ type: "resume" });
  }
  stop() {
    this.#send({ type: "stop" });
  }
}
