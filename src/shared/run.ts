/**
 * The one run driver: every face (the worker, the CLI, the experiment and the benchmark) runs
 * stylize() or visualize() through runToEnd(), which pulls the generator to its end, hands each
 * progress event to the face, waits while the face pauses, and returns the result with a
 * summary. The generator is closed on every exit, so an error in a face frees the run's tensors.
 */

/** Options of runToEnd(). */
export interface RunOptions<E> {
  /** Called with each progress event; may be async (the next iteration waits for it). */
  onEvent?: (event: E) => void | Promise<void>;
  /** Resolves when the run may continue: called before each iteration (a paused studio). */
  gate?: () => Promise<void> | undefined;
}

/** How a run went: iterations done, wall time, and the time per iteration. */
export interface RunSummary {
  iterations: number;
  elapsedMs: number;
  /** Mean wall time per iteration (NaN when none ran). */
  msPerIteration: number;
}

/** Pulls `gen` to its end; returns its result and a summary. */
export async function runToEnd<E, R>(
  gen: AsyncGenerator<E, R, void>,
  opts: RunOptions<E> = {},
): Promise<{ result: R; summary: RunSummary }> {
  const started = performance.now();
  let iterations = 0;
  try {
    for (;;) {
      const wait = opts.gate?.();
      if (wait) await wait;
      const r = await gen.next();
      if (r.done) {
        const elapsedMs = performance.now() - started;
        return {
          result: r.value,
          summary: { iterations, elapsedMs, msPerIteration: elapsedMs / (iterations || NaN) },
        };
      }
      iterations++;
      await opts.onEvent?.(r.value);
    }
  } finally {
    await gen.return(undefined as R);
  }
}
