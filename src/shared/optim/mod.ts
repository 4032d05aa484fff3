export * from "./adam.ts";
export * from "./create_optimizer.ts";
export * from "./lbfgs.ts";
export * from "./optimizer.ts";
export * from "./vectors.ts";
