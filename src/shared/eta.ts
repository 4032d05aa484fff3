/**
 * Time left in a run from its measured speed. A coarse-to-fine run's later scales are larger and
 * slower, so the remaining iterations at the measured rate would promise the 512 px scale at the
 * 128 px scale's pace; but the time of an iteration is not proportional to the pixels either (a
 * fixed per-kernel cost does not shrink with the image), and each scale starts with a set-up (its
 * targets, a fresh optimiser) worth a few of its iterations. createEta() learns both from the
 * scales it has seen. Pure arithmetic over planScales() and progress events.
 */

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
 * A run's scale as the ETA sees it: planScales()'s sides and iterations, and for a scale that
 * runs tiled what one evaluation really processes (scaleCost()).
 */
export interface EtaScale {
  height: number;
  width: number;
  iterations: number;
  /** Pixels one evaluation processes, in untiled passes' worth: height x width when absent. */
  work?: number;
  /** Passes over the network per evaluation, each paying the fixed cost: 1 when absent. */
  passes?: number;
}

/**
 * The fixed cost of one iteration, in pixels' worth of its proportional cost: before two scales
 * are measured, an iteration at `px` pixels takes time ∝ fixedCostPixels + px. The default for
 * a network that is not known (createEta() without `pass`; stylize() passes the network's,
 * fixedCostPixels()). From six recorded default runs' progress events (ResNet-50 and
 * MobileNet-v1 at 256 and 512 px, WASM, two threads; tests/fixtures/eta/, README "Defaults that
 * paint"): the line t = a + b·px through each run's first two scales had a / b from 1,150 to
 * 10,000 px.
 */
export const FIXED_COST_PIXELS = 6000;

/**
 * The fixed cost of one graph node per pass and per thread of the backend's pool (its kernel
 * launches and small tensors, which no thread shares), in FLOPs' worth of the per-pixel work,
 * which the threads do share: so a network's fixed cost in pixels follows from its graph and
 * grows with the threads (fixedCostPixels()). Recorded WASM runs, fitted scale against scale
 * with the style statistic counted (nets/flops.ts passCost()): MobileNet-v1's default pass (46
 * nodes, 15,900 FLOPs per pixel) 7,000-11,000 px on two threads and 4,500-8,500 on one;
 * ResNet-50's (121 nodes, 189,000 FLOPs per pixel) mostly 1,000-3,000 px. Replayed over thirty
 * recordings (ten fixtures of tests/fixtures/eta/ and twenty of the sixteenth session's screens,
 * four of which are fixtures now; README "Defaults that paint"), 2 M reads 0.98 of
 * the time left at 10% of a run (geometric mean), 28 of 30 within 25% there and 29 at 25%; 1.75 M
 * reads 1.00 but puts a two-thread ResNet-50 run at 1.38 at 10%.
 */
export const NODE_COST_FLOPS_PER_THREAD = 2e6;

/**
 * The threads fixedCostPixels() assumes when the backend's are not known (a GPU backend's
 * fixed cost is not modelled: its line through two measured scales takes over): the two of the
 * reference machine that most recordings ran on.
 */
export const DEFAULT_THREADS = 2;

/** What one network pass costs (nets/flops.ts passCost()): its nodes, its FLOPs per pixel. */
export interface PassCost {
  nodes: number;
  flopsPerPixel: number;
}

/** A network pass's fixed cost in pixels (FIXED_COST_PIXELS's unit) on `threads` threads. */
export function fixedCostPixels(cost: PassCost, threads = DEFAULT_THREADS): number {
  return (NODE_COST_FLOPS_PER_THREAD * threads * cost.nodes) / cost.flopsPerPixel;
}

/**
 * A tiled evaluation's cost over an untiled one of its crops: the first pass over the tiles runs
 * the network forward for the Grams, the second forward and backward again (tiled_run.ts), so
 * 3 forward passes' worth where an untiled evaluation spends 2 (a backward pass costs about a
 * forward one: bench.ts). Recorded ResNet-50 runs' tiled 1024 px scale took 1.25-1.36 times
 * its crops' pixels at the untiled 724 px scale's time per pixel.
 */
export const TILED_PASS_FACTOR = 1.5;

/**
 * What one evaluation of a `height` x `width` scale processes, for createEta(): untiled, its
 * pixels in one pass; tiled, its crops' pixels (cores and halos) and its passes, each times
 * TILED_PASS_FACTOR.
 */
export function scaleCost(
  height: number,
  width: number,
  crops?: readonly { height: number; width: number }[],
): { work: number; passes: number } {
  if (!crops) return { work: height * width, passes: 1 };
  const px = crops.reduce((sum, c) => sum + c.height * c.width, 0);
  return { work: TILED_PASS_FACTOR * px, passes: TILED_PASS_FACTOR * crops.length };
}

/**
 * A scale's set-up (its targets, a fresh optimiser and its first line search) in iterations of
 * that scale, until one is measured: 1.1-3.4 in the six two-thread runs (ResNet-50 2.1-3.4),
 * 3.2-4.9 in ResNet-50 runs supersampled 4x (seven scales of 4-34 iterations).
 */
export const SETUP_ITERATIONS_PRIOR = 3;

/**
 * The most a line through two measured scales may make of the fixed cost, over the network's
 * (fixedCostPixels()): a first scale slowed by warm-up or load (a 512 px ResNet-50 run's 128 px
 * scale at 245 ms an iteration where three others took 186-187) fits a line with 5x the fixed
 * cost and half the slope, which promised its 1024 px scale at 0.6 of its time.
 */
const MAX_FIXED_RATIO = 2;

/** Iterations after its first event before a later scale's own time per iteration counts. */
const MIN_SAMPLE = 4;

/** An ETA that learns a run's cost per scale from its progress events; see createEta(). */
export interface EtaTracker {
  /** The time left after `event` (events in order, from one run). */
  update(event: EtaEvent): Eta;
}

/**
 * Time left in a run, as every face shows it (the CLI's bar, the studio's status line, the
 * reference experiment's check; stylize() puts it on every event). With the run's plan
 * (planScales(), with scaleCost() for tiled scales): the iterations left at the current scale's
 * measured time per iteration (from a scale's second event on, so that its set-up does not count
 * as iterations), and for each scale still to come its iterations plus its set-up at a time per
 * iteration modelled as a·passes + b·work: the line through the last two measured scales, or
 * through the last one with a = b·fixedCostPixels(`pass`, `threads`) (FIXED_COST_PIXELS without
 * a pass) before there are two, or when the line's fixed cost is over MAX_FIXED_RATIO times
 * that. The set-up is the last measured one (in that scale's iterations; the first scale's, which
 * also loads the backend's kernels, is not), SETUP_ITERATIONS_PRIOR before. Without a plan, or
 * when the events disagree with it: the iterations left at the mean time per iteration.
 */
export function createEta(
  plan: EtaScale[] | undefined,
  opts: { pass?: PassCost; threads?: number } = {},
): EtaTracker {
  const fixed = opts.pass ? fixedCostPixels(opts.pass, opts.threads) : FIXED_COST_PIXELS;
  // Per scale: run time and iterations done at its first and at its last event so far.
  const first: { ms: number; done: number }[] = [];
  const last: { ms: number; done: number }[] = [];
  const pixels = (k: number) => plan![k].work ?? plan![k].height * plan![k].width;
  const passes = (k: number) => plan![k].passes ?? 1;
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
  /** Scale j's time per iteration as a·passes + b·work, with a = fixed·b, from scale k's t0. */
  const prior = (t0: number, k: number) => (j: number) =>
    (t0 * (fixed * passes(j) + pixels(j))) / (fixed * passes(k) + pixels(k));
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
      /** Time per iteration of scale j. */
      let msAt: (j: number) => number;
      if (b === undefined) {
        // One event of the first scale so far: its time per iteration, set-up and all.
        const perIteration = done > 0 ? event.elapsedMs / done : NaN;
        if (!(perIteration > 0)) return { seconds: NaN, approximate };
        msAt = prior(perIteration, k);
      } else {
        msAt = prior(rate(b)!, b);
        const a = measured.at(-2);
        // The line t = A·passes + B·work through scales a and b.
        const det = a === undefined ? 0 : passes(a) * pixels(b) - passes(b) * pixels(a);
        if (a !== undefined && det > 0) {
          const [ta, tb] = [rate(a)!, rate(b)!];
          const slope = (passes(a) * tb - passes(b) * ta) / det;
          const intercept = (ta * pixels(b) - tb * pixels(a)) / det;
          // A line that falls, or whose fixed cost is over MAX_FIXED_RATIO times the network's
          // (a slow first scale), is noise: keep the prior's shape; one that crosses zero:
          // proportion.
          if (slope > 0 && intercept <= MAX_FIXED_RATIO * fixed * slope) {
            msAt = intercept >= 0
              ? (j) => intercept * passes(j) + slope * pixels(j)
              : (j) => (tb * pixels(j)) / pixels(b);
          }
        }
      }
      const setups = measured.map(setup).filter((x) => x !== undefined);
      const setupIterations = setups.at(-1) ?? SETUP_ITERATIONS_PRIOR;
      const current = rate(k) ?? msAt(k);
      let ms = Math.max(0, plan[k].iterations - done) * current;
      for (let j = k + 1; j < plan.length; j++) {
        ms += (plan[j].iterations + setupIterations) * msAt(j);
      }
      return { seconds: ms / 1000, approximate };
    },
  };
}
