/**
 * VGG-19 (Simonyan & Zisserman 2014, configuration E) from torchvision or Keras weights:
 * sixteen 3x3 "same" convolutions with ReLU in blocks of 2, 2, 4, 4, 4, each block closed by
 * 2x2 stride-2 max pooling (the Net's pooling option swaps it for average pooling, as Gatys
 * et al. 2016 do), then optionally the classifier fc6/fc7/fc8 on the flattened 7x7 pool5 map.
 * Layer names are the ones the presets use: relu1_1 ... relu5_4 and logits.
 */
import { type BuiltGraph, GraphBuilder } from "./_graph_builder.ts";
import { type Layout, WeightTable } from "./_weight_table.ts";
import type { HostTensor } from "../tfjs_layers.ts";

const BLOCKS = [2, 2, 4, 4, 4];
// Index of each conv in torchvision's `features` Sequential (ReLUs and pools take the others).
const TORCH_CONV_INDEX = [0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34];
const TORCH_HEAD = ["classifier.0", "classifier.3", "classifier.6"];
const KERAS_HEAD = ["fc1", "fc2", "predictions"];
/** pool5 is 7x7 for the 224 px input the classifier was trained at. */
const POOL5_SIZE = 7;

function convKeys(layout: Layout, i: number): { kernel: string; bias: string; source: string } {
  if (layout === "torch") {
    const n = TORCH_CONV_INDEX[i];
    return {
      kernel: `features.${n}.weight`,
      bias: `features.${n}.bias`,
      source: `features.${n + 1}`,
    };
  }
  let b = 0, c = i;
  while (c >= BLOCKS[b]) c -= BLOCKS[b++];
  const name = `block${b + 1}_conv${c + 1}`;
  return { kernel: `${name}/kernel`, bias: `${name}/bias`, source: name };
}

function headKeys(layout: Layout): { kernel: string; bias: string; source: string }[] {
  return (layout === "torch" ? TORCH_HEAD : KERAS_HEAD).map((n) =>
    layout === "torch"
      ? { kernel: `${n}.weight`, bias: `${n}.bias`, source: n }
      : { kernel: `${n}/kernel`, bias: `${n}/bias`, source: n }
  );
}

/** Whether a state dict looks like a VGG (by its first convolution's key). */
export function looksLikeVgg(keys: Set<string>): Layout | undefined {
  if (keys.has("features.0.weight")) return "torch";
  if (keys.has("block1_conv1/kernel")) return "keras";
  return undefined;
}

/**
 * Builds VGG-19 from a state dict in `layout`; the classifier is included when any of its
 * keys is present. Throws naming missing, unexpected or misshapen keys.
 */
export function buildVgg19(tensors: Map<string, HostTensor>, layout: Layout): BuiltGraph {
  const convs = TORCH_CONV_INDEX.map((_, i) => convKeys(layout, i));
  const head = headKeys(layout);
  const withHead = head.some((h) => tensors.has(h.kernel) || tensors.has(h.bias));
  const required = [...convs, ...(withHead ? head : [])].flatMap((k) => [k.kernel, k.bias]);
  const t = new WeightTable(tensors, {
    layout,
    required,
    what: `VGG-19 (${layout === "torch" ? "torchvision" : "Keras"})`,
  });
  const g = new GraphBuilder();
  let x = "input";
  let inC = 3;
  let i = 0;
  BLOCKS.forEach((count, b) => {
    for (let c = 1; c <= count; c++, i++) {
      const w = t.conv(convs[i].kernel, { inC, size: 3, bias: convs[i].bias });
      inC = w.kernel.shape[3];
      x = g.relu(`relu${b + 1}_${c}`, g.conv(`conv${b + 1}_${c}`, x, w, 1, "same"));
      g.expose(`relu${b + 1}_${c}`, x, convs[i].source);
    }
    x = g.pool(`pool${b + 1}`, x, 2, 2);
  });
  if (withHead) {
    const flat = POOL5_SIZE * POOL5_SIZE * inC;
    const fc6 = t.dense(head[0].kernel, head[0].bias, {
      inC: flat,
      flatten: [POOL5_SIZE, POOL5_SIZE, inC],
    });
    x = g.relu("fc6_relu", g.dense("fc6", x, fc6));
    const fc7 = t.dense(head[1].kernel, head[1].bias, { inC: fc6.kernel.shape[1] });
    x = g.relu("fc7_relu", g.dense("fc7", x, fc7));
    const fc8 = t.dense(head[2].kernel, head[2].bias, { inC: fc7.kernel.shape[1] });
    g.expose("logits", g.dense("fc8", x, fc8), head[2].source, "logits");
  }
  return g.build();
}
