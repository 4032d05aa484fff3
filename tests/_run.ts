/** Runs an engine generator to its end through the shared driver, keeping every event. */
import { runToEnd } from "../src/shared/run.ts";

/** Every progress event of `gen` and its result (runToEnd() with an event log). */
export async function collect<E, R>(
  gen: AsyncGenerator<E, R, void>,
  onEvent?: (event: E) => void,
): Promise<{ events: E[]; result: R }> {
  const events: E[] = [];
  const { result } = await runToEnd(gen, {
    onEvent: (e) => {
      events.push(e);
      onEvent?.(e);
    },
  });
  return { events, result };
}
