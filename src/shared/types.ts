/**
 * JSON-safe wire types shared by the engine, the server, the client and the CLI, with their
 * zod schemas. A Recipe is everything needed to re-run a result: a permalink carries one.
 * Every schema is strict (unknown keys are refused) and bounded, so that the server can
 * validate untrusted input with it.
 */
import { z } from "zod";
import { MAX_SIZE, MAX_TV_ORDER, MIN_SIZE, RECIPE_DEFAULTS } from "./recipe_defaults.ts";

export { MAX_SIZE, MAX_VIS_SIZE, MIN_SIZE } from "./recipe_defaults.ts";

const D = RECIPE_DEFAULTS;

const name = z.string().min(1).max(64).regex(
  /^[A-Za-z0-9_.:\-/]+$/,
  "use letters, digits and _ . : - / only",
);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "expected 64 lowercase hex digits");
const weight = z.number().finite().min(0).max(1e12);

export const ImageRefSchema = z.object({
  /** File name as the user gave it (not a path on any machine). */
  name: z.string().min(1).max(200),
  sha256: sha256.optional(),
  width: z.number().int().min(1).max(16384).optional(),
  height: z.number().int().min(1).max(16384).optional(),
}).strict();
export type ImageRef = z.infer<typeof ImageRefSchema>;

export const StyleRefSchema = ImageRefSchema.extend({
  /** Blend weight of this style image; weights are normalised to sum 1. */
  weight: weight.default(1),
}).strict();
export type StyleRef = z.infer<typeof StyleRefSchema>;

export const LayerWeightSchema = z.object({ layer: name, weight }).strict();
export type LayerWeight = z.infer<typeof LayerWeightSchema>;

export const LayersSchema = z.object({
  content: z.array(LayerWeightSchema).min(0).max(16),
  style: z.array(LayerWeightSchema).min(1).max(32),
}).strict();
export type Layers = z.infer<typeof LayersSchema>;

export const LossWeightsSchema = z.object({
  content: weight,
  style: weight,
  tv: weight,
}).strict();
export type LossWeights = z.infer<typeof LossWeightsSchema>;

export const InitSchema = z.enum(["content", "noise", "image"]);
export type Init = z.infer<typeof InitSchema>;

export const OptimizerSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("lbfgs"),
    /** History size m. */
    history: z.number().int().min(1).max(100).default(D.optimizer.history),
    /**
     * Keep the history in JS memory instead of the backend's (lbfgs.ts): the same iterates, bit
     * for bit on WASM (vectors.ts). The memory planner sets it on WASM where the device history
     * does not fit.
     */
    hostHistory: z.boolean().optional(),
  }).strict(),
  z.object({
    kind: z.literal("adam"),
    learningRate: z.number().finite().positive().max(10).default(D.adam.learningRate),
  }).strict(),
]);
export type OptimizerSpec = z.infer<typeof OptimizerSchema>;

export const ParamSchema = z.object({
  /** pixel: optimise RGB directly; fourier: Mordvintsev et al. 2018 spectrum parameterisation. */
  kind: z.enum(["pixel", "fourier"]).default(D.param.kind),
  /** Optimise in a decorrelated colour space (Mordvintsev et al. 2018). */
  decorrelate: z.boolean().default(D.param.decorrelate),
}).strict();
export type ParamSpec = z.infer<typeof ParamSchema>;

/** The most fixed views a recipe may ask for (each costs one forward and backward pass). */
export const MAX_VIEWS = 16;

export const TransformsSchema = z.object({
  /** Padding in px before the other transforms. */
  pad: z.number().int().min(0).max(64).default(D.transforms.pad),
  /**
   * What the padding shows: "constant" (absent, old recipes) lucid's grey, which fixed views
   * paint into frames along the edges; "reflect" the image mirrored at its edges.
   */
  padMode: z.enum(["constant", "reflect"]).optional(),
  /** Random shift of up to this many px in each direction. */
  jitter: z.number().int().min(0).max(64).default(D.transforms.jitter),
  /** Candidate scale factors, one drawn per step. */
  scales: z.array(z.number().finite().min(0.25).max(4)).max(32).default(() => [
    ...D.transforms.scales,
  ]),
  /** Candidate rotations in degrees, one drawn per step. */
  angles: z.array(z.number().finite().min(-180).max(180)).max(64).default(() => [
    ...D.transforms.angles,
  ]),
  /**
   * Fixed views: the objective is the mean over this many transform draws, made once from the
   * seed, so that every evaluation sees the same objective (L-BFGS needs one). Absent: one
   * new draw per iteration (lucid's way, for Adam).
   */
  views: z.number().int().min(1).max(MAX_VIEWS).optional(),
}).strict();
export type TransformsSpec = z.infer<typeof TransformsSchema>;

export const NetRefSchema = z.object({
  /** Installed model id, e.g. "resnet50". */
  id: name,
  /** sha256 of the model's manifest.json, when known. */
  sha256: sha256.optional(),
  /** Pooling used for every max-pool layer of the network (the article uses avg for VGG). */
  pooling: z.enum(["max", "avg"]).default(D.pooling),
  /**
   * Anti-aliased forward pass (Zhang 2019): a binomial low-pass before every stride-2 op,
   * pretrained weights kept. Absent (old recipes) means off.
   */
  antialias: z.boolean().optional(),
}).strict();
export type NetRef = z.infer<typeof NetRefSchema>;

/** SWAG options (Wang et al. 2021): softmax domain and temperature. */
export const SwagOptionsSchema = z.object({
  /** "map": the paper's softmax over the whole layer; "channels": the official code's. */
  over: z.enum(["map", "channels"]).default("map"),
  temperature: z.number().finite().positive().max(1e6).default(1),
}).strict();
export type SwagOptionsSpec = z.infer<typeof SwagOptionsSchema>;

/**
 * The boolean-or-object form of a Recipe's `swag` field: false is off, true is the map
 * variant at T = 1 (what old recipes mean), an object picks the variant and temperature. The
 * run reads it with smoothing/swag.ts's swagOptionsOf().
 */
export const SwagFieldSchema = z.union([z.boolean(), SwagOptionsSchema]).default(D.swag);
export type SwagField = z.infer<typeof SwagFieldSchema>;

/** Which style statistic the style loss compares (src/shared/losses/statistic.ts). */
export const StyleLossSchema = z.object({
  loss: z.enum(["gram", "meancov", "sliced"]).default("gram"),
  /** Sliced Wasserstein: number of random projections. */
  projections: z.number().int().min(1).max(4096).default(64),
  /** Mean + covariance: Newton–Schulz iterations of the matrix square root. */
  iterations: z.number().int().min(1).max(100).default(15),
  /**
   * Scale of each layer's loss. "channels" (absent, old recipes): the statistic's own scale
   * (Gram: Σ(G − A)²/c²), which makes deep layers of a ReLU net orders of magnitude weaker.
   * "target": divided by the target's own size (Gram: Σ(G − A)²/ΣA²), so that every layer
   * counts alike at equal weight, whatever the painting's activation magnitude.
   */
  normalize: z.enum(["channels", "target"]).optional(),
  /**
   * Octaves of the style loss (Snelgrove 2017, a Gaussian-pyramid Gram loss): the style term is
   * the mean of the style loss on the image and on the image 2x, 4x, ... smaller (2x2 average
   * pooling), each against the painting reduced alike. 1 (absent): the image alone.
   */
  octaves: z.number().int().min(1).max(4).optional(),
  /**
   * Activation shift of the Gram statistic (Novak & Nikulin 2016): the Gram matrix of F + shift
   * rather than of F, for the painting and the output alike. Sparse ReLU maps give Gram
   * matrices that are mostly zero; a shift (they use -1) makes every channel pair count.
   * Absent or 0: none. Mean + covariance and sliced Wasserstein are shift-invariant and ignore
   * it.
   */
  shift: z.number().min(-100).max(100).optional(),
}).strict();
export type StyleLossSpec = z.infer<typeof StyleLossSchema>;

/** Colour control (Gatys et al. 2016, "Preserving color in neural artistic style transfer"). */
export const ColourSchema = z.object({
  /**
   * none: as is; luminance: transfer on luminance only, keep the photo's chroma; match:
   * recolour the painting to the photo's colour statistics first; original: after the run,
   * keep the output's luminance and take the photo's chroma (jcjohnson's -original_colors);
   * palette: paint in the painting's palette (the photo recoloured to the painting's colour
   * statistics before the run, the output mapped to them after).
   */
  mode: z.enum(["none", "luminance", "match", "original", "palette"]).default("none"),
  /** The linear map of "match" and "palette". */
  match: z.enum(["cholesky", "pca", "mk"]).default("pca"),
}).strict();
export type ColourSpec = z.infer<typeof ColourSchema>;

/**
 * Coarse-to-fine optimisation (crowsonkb/style-transfer-pytorch; jcjohnson's multi-resolution
 * recipe): scales from about `minSize` up to the output size in steps of `step` (long sides),
 * each started from the previous result upsampled. src/shared/pyramid.ts plans the scales.
 */
export const PyramidSchema = z.object({
  /** Long side of the coarsest scale, px (the first scale is in [minSize, minSize·step)). */
  minSize: z.number().int().min(MIN_SIZE).max(MAX_SIZE).default(D.pyramid.minSize),
  /** Ratio of consecutive scales' long sides. */
  step: z.number().finite().min(1.1).max(4).default(D.pyramid.step),
  /** Each coarser scale gets this factor more iterations than the next finer one. */
  coarseShare: z.number().finite().min(1).max(4).default(D.pyramid.coarseShare),
}).strict();
export type PyramidSpec = z.infer<typeof PyramidSchema>;

/** What a run did at one scale (a recipe's run record). */
export const ScaleRunSchema = z.object({
  size: z.number().int().min(1).max(MAX_SIZE),
  iterations: z.number().int().min(0),
  /** Tiles per evaluation and their core side (px), when the scale ran tiled (issue 14). */
  tiles: z.number().int().min(1).optional(),
  tile: z.number().int().min(1).optional(),
  /** The L-BFGS history the scale ran with, when the memory plan cut the recipe's (issue 14). */
  history: z.number().int().min(1).optional(),
  /** true when the scale kept its L-BFGS history in JS memory (issue 14). */
  hostHistory: z.boolean().optional(),
  /**
   * The crops' halo (px before and after a core) when the scale ran tiled with the network's
   * approximate, narrower halo (ResNet-50: 96/96 px, not 241/210): its objective was close to
   * the untiled one, not equal (issue 14, bench/large_halo.md).
   */
  halo: z.object({ before: z.number().int().min(0), after: z.number().int().min(0) }).strict()
    .optional(),
  /** true when the scale kept every L-BFGS vector in JS memory (issue 14). */
  hostVectors: z.boolean().optional(),
}).strict();
export type ScaleRun = z.infer<typeof ScaleRunSchema>;

export const RecipeSchema = z.object({
  version: z.literal(1),
  net: NetRefSchema,
  /** Long side of the output image, px. */
  size: z.number().int().min(MIN_SIZE).max(MAX_SIZE),
  content: ImageRefSchema,
  styles: z.array(StyleRefSchema).min(1).max(8),
  layers: LayersSchema,
  weights: LossWeightsSchema,
  /**
   * Difference order of the TV term (losses/tv.ts): 1 (absent, old recipes) neighbour
   * differences; k the k-th difference, which costs the period-2 checkerboard as much and detail
   * a few pixels wide far less.
   */
  tvOrder: z.number().int().min(1).max(MAX_TV_ORDER).optional(),
  init: InitSchema,
  iterations: z.number().int().min(1).max(10000),
  optimizer: OptimizerSchema,
  seed: z.number().int().min(0).max(2 ** 31 - 1),
  param: ParamSchema.default(() => ({ ...D.param })),
  transforms: TransformsSchema.optional(),
  /** SWAG activation smoothing (Wang et al. 2021): off, on (map, T = 1) or its options. */
  swag: SwagFieldSchema,
  /** Style statistic; absent means the Gram loss (old recipes). */
  style: StyleLossSchema.optional(),
  /** Colour control; absent means none (old recipes). */
  colour: ColourSchema.optional(),
  /** Coarse-to-fine scales; absent means one scale at `size` (old recipes). */
  pyramid: PyramidSchema.optional(),
  /**
   * The painting's long side relative to the output's, at every scale (jcjohnson's
   * -style_scale); not the style loss weight. Absent (old recipes, and no pyramid): the style
   * images are used at the size they are given.
   */
  styleScale: z.number().finite().min(D.styleScale.min).max(D.styleScale.max).optional(),
  /**
   * Supersampling: the run works at this many times `size` (the content, the paintings and every
   * scale are read and run that much larger) and its result is reduced by the factor, each k x k
   * block averaged, so that a network's period-2 artefacts at the working size average out.
   * Absent (old recipes): 1. `size` x the factor is at most MAX_SIZE.
   */
  supersample: z.union([z.literal(1), z.literal(2), z.literal(4)]).optional(),
  /** Provenance of a finished run (backend, library versions); informational. */
  run: z.object({
    backend: z.string().max(32).optional(),
    tfjs: z.string().max(32).optional(),
    atelier: z.string().max(32).optional(),
    elapsedMs: z.number().finite().min(0).optional(),
    finalLoss: z.number().optional(),
    /** Iterations done (fewer than `iterations` when the run was stopped). */
    iterations: z.number().int().min(0).optional(),
    /** Objective evaluations in all (an L-BFGS line search may take several per iteration). */
    evaluations: z.number().int().min(0).optional(),
    /** The run was stopped before its last iteration: the image is the best one so far. */
    aborted: z.boolean().optional(),
    /** The scales run, coarse to fine, with the iterations done at each (pyramid runs). */
    scales: z.array(ScaleRunSchema).max(64).optional(),
  }).strict().optional(),
}).strict();
export type Recipe = z.infer<typeof RecipeSchema>;
/** Recipe as written by hand or by a client before defaults are applied. */
export type RecipeInput = z.input<typeof RecipeSchema>;

export const PresetSchema = z.object({
  id: name,
  name: z.string().min(1).max(100),
  description: z.string().max(1000),
  /** Architecture this preset is for ("resnet50", "vgg19", ...); any installed model of it fits. */
  architecture: name,
  /** Model id to prefer, when the preset needs specific weights (e.g. robust ResNet-50). */
  net: name.optional(),
  /**
   * `pyramid: null`: one scale, whatever the architecture's default (a literature recipe ran
   * at one scale; recipe_defaults.ts's merge removes a pyramid set below).
   */
  recipe: RecipeSchema.partial().omit({ content: true, styles: true, run: true }).extend({
    pyramid: PyramidSchema.nullable().optional(),
  }),
}).strict();
export type Preset = z.infer<typeof PresetSchema>;

/** What the server lists for each installed model. */
export const ModelSummarySchema = z.object({
  id: name,
  name: z.string(),
  architecture: z.string(),
  variant: z.string(),
  dtype: z.enum(["float16", "float32"]),
  bytes: z.number().int().min(0),
  headBytes: z.number().int().min(0),
  manifestSha256: sha256,
}).strict();
export type ModelSummary = z.infer<typeof ModelSummarySchema>;

/** Formats a zod error as one line per problem: "path: message". */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
}
