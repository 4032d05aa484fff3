/**
 * Seeded pseudo-random numbers for everything that must replay from a Recipe's seed: random
 * transforms (jitter offsets, scales, angles) and Gaussian-noise initial images. Math.random
 * cannot be seeded, so a run would not be reproducible with it.
 */

/** A deterministic stream of pseudo-random numbers. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (mean 0, standard deviation 1). */
  normal(): number;
  /** One element of a non-empty list, uniformly. */
  pick<T>(items: readonly T[]): T;
}

/**
 * Creates a generator from a 32-bit seed (mulberry32, Tommy Ettinger 2017: 32 bits of state,
 * period 2^32, passes gjrand's tests; plenty for picking transforms and noise pixels).
 * The same seed always gives the same sequence, on every platform.
 */
export function createRng(seed: number): Rng {
  if (!Number.isInteger(seed)) {
    throw new RangeError(`Seed is ${seed}: expected an integer`);
  }
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => {
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(`int(${n}): expected a positive integer bound`);
    }
    return Math.floor(next() * n);
  };
  return {
    next,
    int,
    // Box-Muller transform; 1 - next() lies in (0, 1], so the logarithm is finite.
    normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new RangeError("pick() of an empty list");
      return items[int(items.length)];
    },
  };
}
