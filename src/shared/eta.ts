/**
 * Time left in a run from its measured speed. A coarse-to-fine run's later scales are larger and
 * slower, so the remaining iterations at the measured rate would promise the 256 px scale at
 * the 128 px scale's pace; but the time of an iteration is not proportional to the pixels
 * either (a fixed per-kernel cost does not shrink with the image). createEta() learns the
 * growth from the scales it has seen. Pure arithmetic over planScales() and progress events.
 */
import type { PlannedScale } from "./pyramid.ts";

/** An estimate of the time left. */
export interface Eta {
  /** Seconds left; NaN before any work is measured. */
  seconds: number;
  /**
   * True while a larger scale is still to come: its speed is extrapolated from smaller images,
   * so the estimate is rough.
   */
  approximate: boolean;
}

/** What createEta() reads of a run's progress event (a StylizeEvent has all of it). */
export interface EtaEvent {
  /** Iterations done in the whole run, and its budget. */
  iteration: number;
  iterations: number;
  elapsedMs: number;
  /** A coarse-to-fine run's scale: its index, the scale count, iterations done there. */
  scale?: { index: number; count: number; iteration: number };
}

/**
 * How the time of one iteration grows with a scale's pixels before two scales are measured:
 * t ∝ pixels^γ. Measured on WASM, one thread (README "Benchmark", ms per L-BFGS iteration at
 * 128 / 256 / 512 px): ResNet-50 774 / 1,776 / 4,439 (γ = 0.60 and 0.66), MobileNet-v1 118 / 333
 * (0.75): small images leave a fixed per-kernel cost that does not shrink with them, so a
 * pixel-proportional estimate (γ = 1) promised ResNet-50 runs up to 2-7x too long.
 */
export const PIXEL_EXPONENT_PRIOR = 0.7;

/** The exponent fitted between two measured scales is kept within these bounds. */
const EXPONENT_RANGE = [0.3, 1.5] as const;

/** An ETA that learns a run's cost per scale from its progress events; see createEta(). */
export interface EtaTracker {
  /** The time left after `event` (events in order, from one run). */
  update(event: EtaEvent): Eta;
}

/**
 * Time left in a run, as every face shows it (the CLI's bar, the studio's status line, the
 * reference experiment's check). With the run's plan (planScales()): the iterations left at
 * the latest measured scale's time per iteration (from a scale's second event on, so that its
 * set-up does not count as iterations), grown to larger scales as pixels^γ, γ fitted between
 * the last two measured scales (PIXEL_EXPONENT_PRIOR before there are two). Without a plan, or
 * when the events disagree with it: the iterations left at the mean time per iteration.
 */
export function createEta(
  plan: Pick<PlannedScale, "height" | "width" | "iterations">[] | undefined,
): EtaTracker {
  // Per scale: run time and iterations done at its first and at its last event so far.
  const first: { ms: number; done: number }[] = [];
  const last: { ms: number; done: number }[] = [];
  const pixels = (k: number) => plan![k].height * plan![k].width;
  /**
   * Milliseconds per iteration of scale j, from its second event on: a scale's first iteration
   * also pays for its set-up (the paintings' targets at that size, the first evaluation of a
   * fresh optimiser), which would make a short sample look slow. Undefined until then.
   */
  const rate = (j: number) => {
    const n = last[j] && last[j].done - first[j].done;
    return n >= 2 ? (last[j].ms - first[j].ms) / n : undefined;
  };
  return {
    update(event) {
      const count = event.scale?.count ?? 1;
      if (!plan || plan.length !== count) {
        const r = event.elapsedMs > 0 ? event.iteration / event.elapsedMs : 0;
        const seconds = r > 0 ? (event.iterations - event.iteration) / r / 1000 : NaN;
        return { seconds, approximate: count > 1 };
      }
      const k = event.scale?.index ?? 0;
      if (k < 0 || k >= plan.length) {
        throw new RangeError(`Scale ${k} is outside the plan's ${plan.length} scales`);
      }
      const done = event.scale?.iteration ?? event.iteration;
      first[k] ??= { ms: event.elapsedMs, done };
      last[k] = { ms: event.elapsedMs, done };
      const approximate = k < plan.length - 1;
      const measured = plan.map((_, j) => j).filter((j) => j <= k && rate(j) !== undefined);
      const b = measured.at(-1);
      if (b === undefined) {
        // One event of the first scale so far: its time per iteration, set-up and all.
        const perIteration = done > 0 ? event.elapsedMs / done : NaN;
        if (!(perIteration > 0)) return { seconds: NaN, approximate };
        let ms = Math.max(0, plan[k].iterations - done) * perIteration;
        for (let j = k + 1; j < plan.length; j++) {
          ms += plan[j].iterations * perIteration * (pixels(j) / pixels(k)) ** PIXEL_EXPONENT_PRIOR;
        }
        return { seconds: ms / 1000, approximate };
      }
      let gamma = PIXEL_EXPONENT_PRIOR;
      const a = measured.at(-2);
      if (a !== undefined && pixels(a) !== pixels(b)) {
        const fitted = Math.log(rate(b)! / rate(a)!) / Math.log(pixels(b) / pixels(a));
        gamma = Math.min(EXPONENT_RANGE[1], Math.max(EXPONENT_RANGE[0], fitted));
      }
      const msAt = (j: number) => rate(b)! * (pixels(j) / pixels(b)) ** gamma;
      let ms = Math.max(0, plan[k].iterations - done) * msAt(k);
      for (let j = k + 1; j < plan.length; j++) ms += plan[j].iterations * msAt(j);
      return { seconds: ms / 1000, approximate };
    },
  };
}
