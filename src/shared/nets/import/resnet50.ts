/**
 * ResNet-50 (He et al. 2015) from torchvision / robustness state dicts or Keras weights, as
 * an explicit graph: stem conv 7x7/2 with padding 3, max pool 3x3/2 after a 1-pixel zero pad
 * (exact, since it follows a ReLU), then bottleneck blocks 3, 4, 6, 3 with batch norm folded.
 * Two layouts of the downsampling blocks exist and are recorded as the manifest's variant:
 * "torchvision-v1.5" puts the stride in the 3x3 conv, "keras-v1" in the first 1x1 conv.
 * Layer names match the Keras-born ResNet-50: conv1, res2a..res5c (block outputs after the
 * ReLU) and logits.
 */
import { type BuiltGraph, GraphBuilder } from "./_graph_builder.ts";
import { type BnKeys, type Layout, WeightTable } from "./_weight_table.ts";
import type { HostTensor } from "../tfjs_layers.ts";

/** Where the stride of a downsampling block sits. */
export type ResnetVariant = "torchvision-v1.5" | "keras-v1";

const STAGES = [3, 4, 6, 3];

/** Key naming of one family of ResNet-50 checkpoints. */
interface Naming {
  layout: Layout;
  stem: { conv: string; bn: string; source: string };
  /** Conv i (1..3; 0 for the projection shortcut) of block b of stage s (0-based). */
  conv(s: number, b: number, i: number): { conv: string; bn: string };
  block(s: number, b: number): string;
  fc: string;
  kernel(conv: string): string;
  bias(layer: string): string;
  bn(bn: string, eps: number): BnKeys;
  /** Keys that may be present and are ignored (e.g. batch norm step counters). */
  ignored(bn: string): string[];
  eps: number;
}

const TORCH: Naming = {
  layout: "torch",
  stem: { conv: "conv1", bn: "bn1", source: "relu" },
  conv: (s, b, i) =>
    i === 0
      ? { conv: `layer${s + 1}.${b}.downsample.0`, bn: `layer${s + 1}.${b}.downsample.1` }
      : { conv: `layer${s + 1}.${b}.conv${i}`, bn: `layer${s + 1}.${b}.bn${i}` },
  block: (s, b) => `layer${s + 1}.${b}`,
  fc: "fc",
  kernel: (c) => `${c}.weight`,
  bias: (c) => `${c}.bias`,
  bn: (p, eps) => ({
    gamma: `${p}.weight`,
    beta: `${p}.bias`,
    mean: `${p}.running_mean`,
    variance: `${p}.running_var`,
    eps,
  }),
  ignored: (p) => [`${p}.num_batches_tracked`],
  eps: 1e-5, // torch.nn.BatchNorm2d default
};

const letter = (b: number) => String.fromCharCode(97 + b);
const branch = ["1", "2a", "2b", "2c"];
const kerasBn = (p: string, eps: number): BnKeys => ({
  gamma: `${p}/gamma`,
  beta: `${p}/beta`,
  mean: `${p}/moving_mean`,
  variance: `${p}/moving_variance`,
  eps,
});

/** keras-applications ResNet50 (the weight files of keras <= 2.2.4 and keras_applications). */
const KERAS_V1: Naming = {
  layout: "keras",
  stem: { conv: "conv1", bn: "bn_conv1", source: "conv1" },
  conv: (s, b, i) => ({
    conv: `res${s + 2}${letter(b)}_branch${branch[i]}`,
    bn: `bn${s + 2}${letter(b)}_branch${branch[i]}`,
  }),
  block: (s, b) => `res${s + 2}${letter(b)}`,
  fc: "fc1000",
  kernel: (c) => `${c}/kernel`,
  bias: (c) => `${c}/bias`,
  bn: kerasBn,
  ignored: () => [],
  eps: 1e-3, // keras_applications resnet50.py: BatchNormalization() default
};

/** tf.keras.applications.ResNet50 (keras >= 2.3 layer names). */
const KERAS_V2: Naming = {
  ...KERAS_V1,
  stem: { conv: "conv1_conv", bn: "conv1_bn", source: "conv1_relu" },
  conv: (s, b, i) => ({
    conv: `conv${s + 2}_block${b + 1}_${i}_conv`,
    bn: `conv${s + 2}_block${b + 1}_${i}_bn`,
  }),
  block: (s, b) => `conv${s + 2}_block${b + 1}_out`,
  fc: "predictions",
  eps: 1.001e-5, // tf.keras resnet.py: BatchNormalization(epsilon=1.001e-5)
};

const NAMINGS = [TORCH, KERAS_V1, KERAS_V2];

/** The key naming a state dict uses, if it looks like a ResNet. */
function namingOf(keys: Set<string>): Naming | undefined {
  return NAMINGS.find((n) => keys.has(n.kernel(n.conv(0, 0, 1).conv)));
}

/** Whether a state dict looks like a ResNet, and in which layout. */
export function looksLikeResnet(keys: Set<string>): Layout | undefined {
  return namingOf(keys)?.layout;
}

/** Options of buildResnet50(). */
export interface ResnetOptions {
  /** Defaults to "torchvision-v1.5" for torch layouts and "keras-v1" for Keras ones. */
  variant?: ResnetVariant;
  /** Batch-norm epsilon; defaults to the source framework's. */
  eps?: number;
}

/** A built ResNet-50 and the variant it was built as. */
export interface BuiltResnet extends BuiltGraph {
  variant: ResnetVariant;
}

/** Builds ResNet-50 from a state dict; throws naming missing, unexpected or misshapen keys. */
export function buildResnet50(
  tensors: Map<string, HostTensor>,
  opts: ResnetOptions = {},
): BuiltResnet {
  const keys = new Set(tensors.keys());
  const n = namingOf(keys);
  if (!n) throw new TypeError("not a ResNet state dict: its first bottleneck conv is missing");
  const stages = countStages(keys, n);
  if (stages.join() !== STAGES.join()) {
    throw new RangeError(
      `ResNet with blocks ${stages.join(", ")} per stage: only ResNet-50 (3, 4, 6, 3) is supported`,
    );
  }
  const variant = opts.variant ?? (n.layout === "torch" ? "torchvision-v1.5" : "keras-v1");
  const eps = opts.eps ?? n.eps;
  const required: string[] = [];
  const optional: string[] = [];
  const conv = (c: { conv: string; bn: string }) => {
    const bn = n.bn(c.bn, eps);
    required.push(n.kernel(c.conv), bn.gamma, bn.beta, bn.mean, bn.variance);
    optional.push(n.bias(c.conv), ...n.ignored(c.bn));
  };
  conv(n.stem);
  STAGES.forEach((count, s) => {
    for (let b = 0; b < count; b++) {
      for (let i = b === 0 ? 0 : 1; i <= 3; i++) conv(n.conv(s, b, i));
    }
  });
  const withHead = keys.has(n.kernel(n.fc)) || keys.has(n.bias(n.fc));
  if (withHead) required.push(n.kernel(n.fc), n.bias(n.fc));
  const t = new WeightTable(tensors, {
    layout: n.layout,
    required,
    optional,
    what: `ResNet-50 (${n.layout === "torch" ? "torchvision" : "Keras"})`,
  });
  const folded = (c: { conv: string; bn: string }, inC: number, size: number) =>
    t.conv(n.kernel(c.conv), { inC, size, bias: n.bias(c.conv), bn: n.bn(c.bn, eps) });

  const g = new GraphBuilder();
  const stem = folded(n.stem, 3, 7);
  let x = g.relu("conv1_relu", g.conv("conv1", "input", stem, 2, [[3, 3], [3, 3]]));
  g.expose("conv1", x, n.stem.source);
  x = g.pool("pool1", g.pad("pool1_pad", x, 1), 3, 2);
  let inC = stem.kernel.shape[3];
  const same3: [[number, number], [number, number]] = [[1, 1], [1, 1]];
  STAGES.forEach((count, s) => {
    for (let b = 0; b < count; b++) {
      const name = `res${s + 2}${letter(b)}`;
      const stride = b === 0 && s > 0 ? 2 : 1;
      const [s1, s2] = variant === "keras-v1" ? [stride, 1] : [1, stride];
      const c1 = folded(n.conv(s, b, 1), inC, 1);
      const c2 = folded(n.conv(s, b, 2), c1.kernel.shape[3], 3);
      const c3 = folded(n.conv(s, b, 3), c2.kernel.shape[3], 1);
      let y = g.relu(`${name}_branch2a_relu`, g.conv(`${name}_branch2a`, x, c1, s1, "valid"));
      y = g.relu(`${name}_branch2b_relu`, g.conv(`${name}_branch2b`, y, c2, s2, same3));
      y = g.conv(`${name}_branch2c`, y, c3, 1, "valid");
      let shortcut = x;
      if (b === 0) {
        const down = folded(n.conv(s, b, 0), inC, 1);
        shortcut = g.conv(`${name}_branch1`, x, down, stride, "valid");
      } else if (c3.kernel.shape[3] !== inC) {
        throw new RangeError(
          `${n.kernel(n.conv(s, b, 3).conv)}: block output has ${
            c3.kernel.shape[3]
          } channels, its input ${inC}`,
        );
      }
      x = g.relu(name, g.add(`${name}_add`, [y, shortcut]));
      g.expose(name, x, n.block(s, b));
      inC = c3.kernel.shape[3];
    }
  });
  if (withHead) {
    const fc = t.dense(n.kernel(n.fc), n.bias(n.fc), { inC });
    g.expose("logits", g.dense("fc", g.globalAvgPool("avg_pool", x), fc), n.fc, "logits");
  }
  return { ...g.build(), variant };
}

function countStages(keys: Set<string>, n: Naming): number[] {
  return STAGES.map((_, s) => {
    let b = 0;
    while (keys.has(n.kernel(n.conv(s, b, 1).conv))) b++;
    return b;
  }).concat(keys.has(n.kernel(n.conv(4, 0, 1).conv)) ? [1] : []);
}
