/**
 * Image parameterisations: what the optimiser actually moves. `createParameterization` turns
 * a Recipe's ParamSpec into one; every kind combines with colour decorrelation.
 */
import type { ParamSpec } from "../types.ts";
import { fourierParam } from "./fourier.ts";
import type { Parameterization } from "./parameterization.ts";
import { pixelParam } from "./pixel.ts";

export * from "./color.ts";
export * from "./dft.ts";
export * from "./fourier.ts";
export * from "./parameterization.ts";
export * from "./pixel.ts";

/** The parameterisation a Recipe asks for, at `height` x `width`; the caller disposes it. */
export function createParameterization(
  spec: ParamSpec,
  height: number,
  width: number,
): Parameterization {
  switch (spec.kind) {
    case "pixel":
      return pixelParam(height, width, { decorrelate: spec.decorrelate });
    case "fourier":
      return fourierParam(height, width, { decorrelate: spec.decorrelate });
    default:
      throw new RangeError(
        `Parameterisation "${
          (spec as { kind: string }).kind
        }" is unknown: expected pixel or fourier`,
      );
  }
}
