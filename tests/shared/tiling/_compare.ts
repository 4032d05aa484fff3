/** Tiled against untiled evaluation of one objective, for the tiling tests. */
import { tf } from "../../_tf.ts";
import { buildStyleObjective, type FeatureMap } from "../../../src/shared/losses/mod.ts";
import type { Net } from "../../../src/shared/nets/net.ts";
import {
  type TiledObjectiveOptions,
  type TiledValueAndGrad,
  tiledValueAndGrad,
} from "../../../src/shared/tiling/tiled_objective.ts";

/** ‖a - b‖ / ‖b‖ in float64. */
export function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

/** Both evaluations and their relative differences; disposes everything it makes. */
export async function compareTiled(
  net: Net,
  image: tf.Tensor4D,
  // The untiled side needs the whole image's content maps.
  options: TiledObjectiveOptions & { contentTargets: FeatureMap },
): Promise<
  { tiled: Omit<TiledValueAndGrad, "grad">; untiled: number; lossRel: number; gradRel: number }
> {
  const objective = buildStyleObjective(options);
  const layers = [
    ...new Set([...options.contentLayers, ...options.styleLayers].map((l) => l.layer)),
  ];
  const { value, grad } = tf.tidy(() =>
    tf.valueAndGrad((x) => {
      const v = objective(net.forward(x as tf.Tensor4D, layers), x as tf.Tensor4D);
      return v.total;
    })(image)
  );
  const untiled = (await value.data())[0];
  const reference = await grad.data();
  tf.dispose([value, grad]);
  const { grad: g, ...tiled } = await tiledValueAndGrad(net, image, options);
  const gradRel = relL2(await g.data(), reference);
  g.dispose();
  return { tiled, untiled, lossRel: Math.abs(tiled.total - untiled) / untiled, gradRel };
}
