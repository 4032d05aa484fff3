/** Builds the optimizer a Recipe names (its `optimizer` field) around a closure. */
import type { OptimizerSpec } from "../types.ts";
import { createAdam } from "./adam.ts";
import { createLbfgs } from "./lbfgs.ts";
import type { Closure, Optimizer } from "./optimizer.ts";

/** The optimizer for `spec`: L-BFGS with its history size, or Adam with its step size. */
export function createOptimizer(spec: OptimizerSpec, closure: Closure): Optimizer {
  switch (spec.kind) {
    case "lbfgs":
      return createLbfgs(closure, { history: spec.history, hostHistory: spec.hostHistory });
    case "adam":
      return createAdam(closure, { lr: spec.learningRate });
  }
}
