/**
 * Server limits: how much a client may send and how often. Every limit has a safe default and
 * can be overridden by a command-line flag or an environment variable (see main.ts).
 */

/** Bounds on uploads and abuse controls. */
export interface Limits {
  /** Largest request body accepted, in bytes (checked on Content-Length and while streaming). */
  maxBodyBytes: number;
  /** Largest decoded image, in pixels (width * height), checked from the header before decoding. */
  maxPixels: number;
  /**
   * Longest side of an uploaded image, px, checked from the header before decoding: a
   * 1x20,000,000 PNG is under maxPixels yet takes seconds of CPU to decode (issue 11).
   */
  maxInputSide: number;
  /** Stored images are resized to fit inside maxSide x maxSide. */
  maxSide: number;
  /** Long side of the stored thumbnail, px. */
  thumbSide: number;
  /** Gallery writes (uploads, deletes, reports) one client may make per minute (token bucket). */
  writesPerMinute: number;
  /** Distinct client addresses that must report an entry before it is hidden. */
  reportsToHide: number;
  /** Uploads decoded at once, each in its own worker (more wait in a short queue). */
  imageWorkers: number;
  /**
   * Most multipart parts in an upload (image, recipe, title, content, up to 8 style images):
   * checked before parsing.
   */
  maxFormParts: number;
  /** Largest recipe JSON, in bytes. */
  maxRecipeBytes: number;
  /** Pending uploads older than this many ms, with no entry, are swept. */
  sweepAgeMs: number;
  /** The sweep runs at startup and then every this many ms while the server runs. */
  sweepIntervalMs: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxBodyBytes: 15 * 1024 * 1024,
  // 40 megapixels: above a 4096x4096 result (16.8 MP) with room for phone photos, well below
  // the ~1 GB of RGBA a decompression bomb would need to hurt.
  maxPixels: 40_000_000,
  // 16384: libwebp's own limit (16383) rounded up; well above any camera or our results.
  maxInputSide: 16384,
  maxSide: 4096,
  thumbSide: 320,
  writesPerMinute: 30,
  reportsToHide: 3,
  imageWorkers: 2,
  maxFormParts: 12,
  maxRecipeBytes: 32 * 1024,
  sweepAgeMs: 10 * 60 * 1000,
  sweepIntervalMs: 60 * 1000,
};

const ENV_NAMES: Record<keyof Limits, string> = {
  maxBodyBytes: "MAX_BODY_BYTES",
  maxPixels: "MAX_PIXELS",
  maxInputSide: "MAX_INPUT_SIDE",
  maxSide: "MAX_SIDE",
  thumbSide: "THUMB_SIDE",
  writesPerMinute: "WRITES_PER_MINUTE",
  reportsToHide: "REPORTS_TO_HIDE",
  imageWorkers: "IMAGE_WORKERS",
  maxFormParts: "MAX_FORM_PARTS",
  maxRecipeBytes: "MAX_RECIPE_BYTES",
  sweepAgeMs: "SWEEP_AGE_MS",
  sweepIntervalMs: "SWEEP_INTERVAL_MS",
};

/** Flag name of a limit: maxBodyBytes -> "max-body-bytes". */
export function flagName(key: keyof Limits): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * Reads limit overrides from flags (`--max-body-bytes=N`) and then the environment
 * (`MAX_BODY_BYTES=N`); flags win. Throws a RangeError naming the bad value.
 */
export function limitsFrom(
  flags: Record<string, string | undefined>,
  env: (name: string) => string | undefined,
): Partial<Limits> {
  const out: Partial<Limits> = {};
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof Limits)[]) {
    const raw = flags[flagName(key)] ?? env(ENV_NAMES[key]);
    if (raw === undefined) continue;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`--${flagName(key)} is "${raw}": expected a non-negative integer`);
    }
    out[key] = value;
  }
  return out;
}

/** Defaults with the given overrides applied. */
export function resolveLimits(overrides: Partial<Limits> = {}): Limits {
  return { ...DEFAULT_LIMITS, ...overrides };
}
