/**
 * A Recipe's `swag` setting and what it stands for, without tfjs, so that the studio page can
 * read and write it (swag.ts has the softmax itself).
 */

/** Options of swag(). */
export interface SwagOptions {
  /** Softmax temperature T (default 1, the paper's): larger is smoother. */
  temperature?: number;
  /** Softmax domain: the whole layer ("map", default) or the channels at each position. */
  over?: "map" | "channels";
}

/** A Recipe's `swag` field: off, on with the defaults, or on with options. */
export type SwagSetting = boolean | SwagOptions;

/** The options a Recipe's `swag` field stands for, or undefined when SWAG is off. */
export function swagOptionsOf(setting: SwagSetting | undefined): SwagOptions | undefined {
  if (setting === undefined || setting === false) return undefined;
  return setting === true ? {} : setting;
}
