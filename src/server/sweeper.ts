/**
 * Runs the gallery sweep while the server runs, not only at startup: an upload abandoned by a
 * crash just before a restart is younger than sweepAgeMs when the new process starts, so the
 * startup sweep keeps it, and only a later sweep can remove it (issue 11). stop() clears the
 * timer and waits for a sweep in progress, so shutdown closes KV after it.
 */
import type { GalleryStore } from "./store/gallery_store.ts";

/** Options of startSweeper(). */
export interface SweeperOptions {
  /** Time between sweeps, ms. */
  intervalMs: number;
  /** Pending uploads older than this are removed, ms. */
  maxAgeMs: number;
  /** Called with the number of ids cleaned by each sweep that cleaned any. */
  onSwept?: (n: number) => void;
}

/** A running sweeper. */
export interface Sweeper {
  stop(): Promise<void>;
}

export function startSweeper(store: GalleryStore, opts: SweeperOptions): Sweeper {
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return; // a slow sweep is never overlapped by the next one
    busy = true;
    running = store.sweep(opts.maxAgeMs)
      .then((n) => void (n && opts.onSwept?.(n)))
      .catch((e) => console.error("gallery sweep failed:", e))
      .finally(() => busy = false);
  }, opts.intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
