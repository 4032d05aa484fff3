/** A terminal progress bar with iterations per second, ETA and the current loss (stderr). */

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

/** A bar over `total` steps; on a terminal it redraws one line, elsewhere it logs every 10%. */
export function progressBar(total: number, opts: ProgressOptions = {}) {
  const started = performance.now();
  const tty = Deno.stderr.isTerminal();
  const enc = new TextEncoder();
  let lastLogged = -1;
  return {
    update(done: number, loss?: number) {
      if (opts.quiet) return;
      const secs = (performance.now() - started) / 1000;
      const rate = done / Math.max(secs, 1e-9);
      const eta = (total - done) / Math.max(rate, 1e-9);
      const width = 24;
      const fill = Math.round((done / total) * width);
      const line =
        `${opts.label ?? ""}[${"#".repeat(fill)}${" ".repeat(width - fill)}] ${done}/${total} ` +
        `${rate.toFixed(2)} it/s ETA ${formatDuration(eta)}` +
        (loss === undefined ? "" : ` loss ${loss.toPrecision(4)}`);
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
