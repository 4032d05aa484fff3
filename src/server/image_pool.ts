/**
 * Decodes uploads off the request path: each image is processed (image.ts) in its own short-lived
 * worker, at most `concurrency` at a time, and at most `queue` more wait; beyond that the upload
 * is refused with 503 and Retry-After. A worker per job costs ~0.1 s of start-up, small next to
 * a decode, and leaves nothing running between uploads (no pool to close on shutdown or in tests).
 */
import { ApiError, type ErrorCode } from "./errors.ts";
import type { ContentfulStatusCode } from "./deps.ts";
import type { ProcessedImage } from "./image.ts";
import type { Limits } from "./limits.ts";

type ImageLimits = Pick<Limits, "maxPixels" | "maxSide" | "maxInputSide" | "thumbSide">;

/** Message to the worker. */
export interface ImageJob {
  bytes: Uint8Array;
  limits: ImageLimits;
}

/** Message back from the worker. */
export type ImageReply =
  | ({ ok: true } & ProcessedImage)
  | { ok: false; status: number; code: ErrorCode; message: string };

/** Options of ImagePool. */
export interface ImagePoolOptions {
  /** Images decoded at once; default 2. */
  concurrency?: number;
  /** Uploads that may wait for a slot; default 64. */
  queue?: number;
}

export class ImagePool {
  private active = 0;
  private waiting: (() => void)[] = [];
  private readonly concurrency: number;
  private readonly queue: number;

  constructor(opts: ImagePoolOptions = {}) {
    this.concurrency = Math.max(1, opts.concurrency ?? 2);
    this.queue = Math.max(0, opts.queue ?? 64);
  }

  /** processImage() in a worker; throws the same ApiErrors, or 503 when the queue is full. */
  async process(bytes: Uint8Array, limits: ImageLimits): Promise<ProcessedImage> {
    if (this.active >= this.concurrency) {
      if (this.waiting.length >= this.queue) {
        throw new ApiError(503, "busy", "The server is busy decoding images: try again soon", {
          headers: { "Retry-After": "5" },
        });
      }
      // The finishing job hands its slot straight to the first waiter (active stays the same).
      await new Promise<void>((r) => this.waiting.push(r));
    } else {
      this.active++;
    }
    try {
      return await runJob({ bytes, limits });
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

function runJob(job: ImageJob): Promise<ProcessedImage> {
  const worker = new Worker(new URL("./image_worker.ts", import.meta.url), { type: "module" });
  return new Promise<ProcessedImage>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<ImageReply>) => {
      const r = e.data;
      if (r.ok) resolve({ image: r.image, thumb: r.thumb });
      else if (r.status === 500) reject(new Error(`image worker: ${r.message}`));
      else reject(new ApiError(r.status as ContentfulStatusCode, r.code, r.message));
    };
    worker.onerror = (e) => {
      e.preventDefault();
      reject(new Error(`image worker failed: ${e.message}`));
    };
    worker.postMessage(job);
  }).finally(() => worker.terminate());
}
