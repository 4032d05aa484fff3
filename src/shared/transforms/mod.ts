/** Random, differentiable image transforms for transformation robustness (lucid). */
export * from "./compose.ts";
export * from "./jitter.ts";
export * from "./pad.ts";
export * from "./rotate.ts";
export * from "./scale.ts";
export * from "./transform.ts";
