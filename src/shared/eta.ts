/**
 * Time left in a run from its measured speed. A coarse-to-fine run's scales cost in proportion
 * to their pixels (the network's work per iteration is linear in them), so the remaining time
 * is the remaining pixel-iterations at the measured seconds per pixel-iteration, not the
 * remaining iterations at the measured iterations per second (which would promise the 256 px
 * scale at the 128 px scale's pace, four times too soon). Pure arithmetic over planScales().
 */
import type { PlannedScale } from "./pyramid.ts";

/** Where a run is: scale `index` (from 0) of the plan, `iteration` done there (from 1). */
export interface RunPosition {
  index: number;
  iteration: number;
}

/** Result of etaSeconds(). */
export interface Eta {
  /** Seconds left; NaN before any work is measured. */
  seconds: number;
  /**
   * True while a larger scale is still to come: its speed is extrapolated from smaller images,
   * where fixed per-iteration costs weigh more, so the estimate is rough.
   */
  approximate: boolean;
}

/** Pixel-iterations of scale k's first `its` iterations. */
function work(s: Pick<PlannedScale, "height" | "width">, its: number): number {
  return s.height * s.width * its;
}

/** Seconds left after `elapsedMs` at `at` in a run planned as `plan` (coarse to fine). */
export function etaSeconds(
  plan: Pick<PlannedScale, "height" | "width" | "iterations">[],
  at: RunPosition,
  elapsedMs: number,
): Eta {
  if (at.index < 0 || at.index >= plan.length) {
    throw new RangeError(`Scale ${at.index} is outside the plan's ${plan.length} scales`);
  }
  let done = work(plan[at.index], Math.min(at.iteration, plan[at.index].iterations));
  let total = 0;
  for (const [k, s] of plan.entries()) {
    total += work(s, s.iterations);
    if (k < at.index) done += work(s, s.iterations);
  }
  const approximate = at.index < plan.length - 1;
  if (!(done > 0 && elapsedMs > 0)) return { seconds: NaN, approximate };
  return { seconds: (elapsedMs / 1000) * (total - done) / done, approximate };
}

/** What eventEta() reads of a run's progress event (a StylizeEvent has all of it). */
export interface EtaEvent {
  /** Iterations done in the whole run, and its budget. */
  iteration: number;
  iterations: number;
  elapsedMs: number;
  /** A coarse-to-fine run's scale: its index, the scale count, iterations done there. */
  scale?: { index: number; count: number; iteration: number };
}

/**
 * Time left at a progress event, as every face shows it: with the run's plan (planScales()),
 * the remaining pixel-iterations at the measured time per pixel-iteration (etaSeconds());
 * without one, or when the event disagrees with the plan, the remaining iterations at the
 * measured rate.
 */
export function eventEta(
  plan: Pick<PlannedScale, "height" | "width" | "iterations">[] | undefined,
  event: EtaEvent,
): Eta {
  const count = event.scale?.count ?? 1;
  if (plan?.length === count) {
    const at = event.scale
      ? { index: event.scale.index, iteration: event.scale.iteration }
      : { index: 0, iteration: event.iteration };
    return etaSeconds(plan, at, event.elapsedMs);
  }
  const rate = event.elapsedMs > 0 ? event.iteration / (event.elapsedMs / 1000) : 0;
  const seconds = rate > 0 ? (event.iterations - event.iteration) / rate : NaN;
  return { seconds, approximate: count > 1 };
}
