export * from "./grid.ts";
export * from "./plan.ts";
export * from "./receptive_field.ts";
export * from "./tiled_features.ts";
export * from "./tiled_objective.ts";
export * from "./tiled_closure.ts";
export * from "./tiled_tv.ts";
