/**
 * Time left in a run from its measured speed. A coarse-to-fine run's later scales are larger and
 * slower, so the remaining iterations at the measured rate would promise the 512 px scale at the
 * 128 px scale's pace; but the time of an iteration is not proportional to the pixels either (a
 * fixed per-kernel cost does not shrink with the image), and each scale starts with a set-up (its
 * targets, a fresh optimiser) worth a few of its iterations. createEta() learns both from the
 * scales it has seen. Pure arithmetic over planScales() and progress events.
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
 * The fixed cost of one iteration, in pixels' worth of its proportional cost: before two scales
 * are measured, an iteration at `px` pixels takes time ∝ FIXED_COST_PIXELS + px. From six
 * recorded default runs' progress events (ResNet-50 and MobileNet-v1 at 256 and 512 px, WASM,
 * two threads; tests/fixtures/eta/, README "Defaults that paint"): the line t = a + b·px through
 * each run's first two scales had a / b from 1,150 to 10,000 px and predicted its later scales to
 * within 10% in five of the six; 6,000 kept the ETAs closest over all six. The old rule,
 * t ∝ px^0.7 from one scale, promised ResNet-50's 512 px scale at 0.63x its time.
 */
export const FIXED_COST_PIXELS = 6000;

/**
 * A scale's set-up (its targets, a fresh optimiser and its first line search) in iterations of
 * that scale, until one is measured: 1.1-3.4 in the same runs (ResNet-50 2.1-3.4).
 */
export const SETUP_ITERATIONS_PRIOR = 2.5;

/** Iterations after its first event before a later scale's own time per iteration counts. */
const MIN_SAMPLE = 4;

/** An ETA that learns a run's cost per scale from its progress events; see createEta(). */
export interface EtaTracker {
  /** The time left after `event` (events in order, from one run). */
  update(event: EtaEvent): Eta;
}

/**
 * Time left in a run, as every face shows it (the CLI's bar, the studio's status line, the
 * reference experiment's check). With the run's plan (planScales()): the iterations left at the
 * current scale's measured time per iteration (from a scale's second event on, so that its set-up
 * does not count as iterations), and for each scale still to come its iterations plus its set-up
 * at a time per iteration modelled as a + b·pixels: the line through the last two measured
 * scales, or through the last one with a = FIXED_COST_PIXELS·b before there are two. The set-up
 * is the last measured one (in that scale's iterations; the first scale's, which also loads the
 * backend's kernels, is not), SETUP_ITERATIONS_PRIOR before. Without a plan, or when the events
 * disagree with it: the iterations left at the mean time per iteration.
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
    // A later scale's first iterations still take extra line-search evaluations of a fresh
    // L-BFGS; until MIN_SAMPLE of them, the earlier scales predict it better.
    return n >= (j === 0 ? 2 : MIN_SAMPLE) ? (last[j].ms - first[j].ms) / n : undefined;
  };
  /** Scale j's set-up in its own iterations: from its start to its first event, less those. */
  const setup = (j: number) => {
    const r = rate(j);
    if (j < 1 || r === undefined || !last[j - 1]) return undefined;
    return Math.max(0, (first[j].ms - last[j - 1].ms) / r - first[j].done);
  };
  /** Time per iteration at `px` on the line through (px0, t0) with a = FIXED_COST_PIXELS·b. */
  const prior = (t0: number, px0: number) => (px: number) =>
    (t0 * (FIXED_COST_PIXELS + px)) / (FIXED_COST_PIXELS + px0);
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
      let msAt: (px: number) => number;
      if (b === undefined) {
        // One event of the first scale so far: its time per iteration, set-up and all.
        const perIteration = done > 0 ? event.elapsedMs / done : NaN;
        if (!(perIteration > 0)) return { seconds: NaN, approximate };
        msAt = prior(perIteration, pixels(k));
      } else {
        msAt = prior(rate(b)!, pixels(b));
        const a = measured.at(-2);
        if (a !== undefined && pixels(a) < pixels(b)) {
          const slope = (rate(b)! - rate(a)!) / (pixels(b) - pixels(a));
          const intercept = rate(b)! - slope * pixels(b);
          // A line that falls, or crosses zero, is noise: keep the prior's shape, or proportion.
          if (slope > 0) {
            msAt = intercept >= 0
              ? (px) => intercept + slope * px
              : (px) => (rate(b)! * px) / pixels(b);
          }
        }
      }
      const setups = measured.map(setup).filter((x) => x !== undefined);
      const setupIterations = setups.at(-1) ?? SETUP_ITERATIONS_PRIOR;
      const current = rate(k) ?? msAt(pixels(k));
      let ms = Math.max(0, plan[k].iterations - done) * current;
      for (let j = k + 1; j < plan.length; j++) {
        ms += (plan[j].iterations + setupIterations) * msAt(pixels(j));
      }
      return { seconds: ms / 1000, approximate };
    },
  };
}
