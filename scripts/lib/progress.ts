/** A terminal progress bar with iterations per second, ETA and the current loss (stderr). */
import { createEta } from "../../src/shared/eta.ts";

/** Options of progressBar(). */
export interface ProgressOptions {
  quiet?: boolean;
  label?: string;
}

/** Formats seconds as 1h02m, 3m05s or 12s. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  if (s >= 3600) {
    return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  }
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}

/** What a step reports to the bar. */
export interface ProgressUpdate {
  loss?: number;
  /** Run time so far as the run measures it (excludes set-up): the ETA uses it per step. */
  elapsedMs?: number;
  /** Objective evaluations so far (shown per step: an L-BFGS step may take several). */
  evaluations?: number;
  /** A short note after the loss (a coarse-to-fine run's scale). */
  note?: string;
  /**
   * Seconds left, when the caller knows better than the steps left at the mean time per step
   * (a stylize run: src/shared/eta.ts createEta(), which learns the cost of a pyramid's scales).
   */
  etaSeconds?: number;
  /**
   * The ETA extrapolates to larger scales still to come (createEta()'s `approximate`, the
   * studio's "about"): shown as "~".
   */
  etaApproximate?: boolean;
}

/**
 * The bar's line after `done` of `total` steps in `ms`. Evaluations per step and the loss are left
 * out until there is one (a tiled run reports its tiles before its first step ends).
 */
export function progressLine(
  done: number,
  total: number,
  u: ProgressUpdate,
  ms: number,
  label = "",
): string {
  const rate = (done * 1000) / Math.max(ms, 1e-9);
  // Without the caller's figure: steps left at the mean time per step (not per evaluation:
  // steps whose line search takes many evaluations are in the mean).
  const eta = u.etaSeconds ??
    createEta(undefined).update({ iteration: done, iterations: total, elapsedMs: ms }).seconds;
  const width = 24;
  const fill = Math.round((done / total) * width);
  return `${label}[${"#".repeat(fill)}${" ".repeat(width - fill)}] ${done}/${total} ` +
    `${rate.toFixed(2)} it/s ETA ${u.etaApproximate ? "~" : ""}${formatDuration(eta)}` +
    (u.evaluations === undefined || done === 0
      ? ""
      : ` ${(u.evaluations / done).toFixed(1)} evals/it`) +
    (u.loss === undefined || !Number.isFinite(u.loss) ? "" : ` loss ${u.loss.toPrecision(4)}`) +
    (u.note ? ` ${u.note}` : "");
}

/** A bar over `total` steps; on a terminal it redraws one line, elsewhere it logs every 10%. */
export function progressBar(total: number, opts: ProgressOptions = {}) {
  const started = performance.now();
  const tty = Deno.stderr.isTerminal();
  const enc = new TextEncoder();
  let lastLogged = -1;
  return {
    update(done: number, u: ProgressUpdate = {}) {
      if (opts.quiet) return;
      const ms = u.elapsedMs ?? performance.now() - started;
      const line = progressLine(done, total, u, ms, opts.label);
      if (tty) Deno.stderr.writeSync(enc.encode(`\r${line}\x1b[K`));
      else {
        const decile = Math.floor((done / total) * 10);
        if (decile !== lastLogged) {
          lastLogged = decile;
          console.error(line);
        }
      }
    },
    done() {
      if (!opts.quiet && tty) Deno.stderr.writeSync(enc.encode("\n"));
    },
  };
}
