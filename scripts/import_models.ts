/**
 * Imports user-supplied weights ("bring your own weights") into static/models/<id>/:
 * detects the format and architecture, converts (batch norm folded, float16 by default),
 * verifies the result (reload through the real loader, forward pass on a small image, finite
 * activations), then installs atomically. `--all` fetches the official files Atelier knows,
 * checks what is pinned of their hashes, and reports each source it cannot reach with what to
 * do instead, carrying on with the others.
 *
 * Usage: deno task models:import <file or URL> [--id ID] [--name NAME] [--dtype float16|float32]
 *                                [--variant torchvision-v1.5|keras-v1] [--preprocess caffe|torch]
 *                                [--out DIR]
 *        deno task models:import --all [--dtype ...] [--out DIR] [--source-base URL]
 */
import { parseArgs } from "node:util";
import { cliArgs, scriptUsage } from "./lib/cli_args.ts";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { useBackend } from "./lib/tf_node.ts";
import { installModel } from "./lib/install_model.ts";
import {
  importWeights,
  loadPacked,
  type ResnetVariant,
  TORCH_IMAGENET,
  verifyNet,
} from "../src/shared/nets/import/mod.ts";
import { CAFFE } from "../src/shared/nets/keras_sources.ts";
import type { Preprocess } from "../src/shared/nets/manifest.ts";
import { loadNet } from "../src/shared/nets/loader.ts";
import { sha256Hex } from "../src/shared/nets/sha256.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** An official download Atelier knows how to import. */
interface KnownSource {
  id: string;
  name: string;
  url: string;
  /** Full sha256 where it is published; otherwise what is pinned is said in `hashNote`. */
  sha256?: string;
  /** Leading hex digits of the sha256 (torchvision names its files with them). */
  sha256Prefix?: string;
  hashNote: string;
  licence: string;
  description: string;
}

const KNOWN: KnownSource[] = [
  {
    id: "vgg19",
    name: "VGG-19 (ImageNet, Keras)",
    url:
      "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
    hashNote:
      "keras.applications pins this file by md5 253f8cb515780f3b799900260a226db6 (not checked here: no md5 in Web Crypto); no sha256 is published",
    licence: "CC BY 4.0 (VGG weights, Simonyan & Zisserman); Keras code MIT",
    description:
      "Keras VGG-19 ImageNet weights without the classifier (Simonyan & Zisserman 2014).",
  },
  {
    id: "vgg19-torch",
    name: "VGG-19 (ImageNet, torchvision)",
    url: "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth",
    sha256Prefix: "dcbb9e9d",
    hashNote: "torchvision publishes the first 8 hex digits of the sha256 in the file name",
    licence: "BSD-3-Clause (torchvision); weights CC BY 4.0 (Simonyan & Zisserman)",
    description: "torchvision VGG-19 ImageNet weights with the classifier.",
  },
  ...[
    ["l2-3", "knf4uimlqsi1yz8/imagenet_l2_3_0.pt", "L2, eps 3.0"],
    ["linf-4", "axfuary2w1cnyrg/imagenet_linf_4.pt", "Linf, eps 4/255"],
    ["linf-8", "yxn15a9zklz3s8q/imagenet_linf_8.pt", "Linf, eps 8/255"],
  ].map(([tag, path, what]) => ({
    id: `robust-resnet50-${tag}`,
    name: `Robust ResNet-50 (ImageNet, ${what})`,
    // The links of github.com/MadryLab/robustness (README, "Pretrained models"); dl=1 asks
    // Dropbox for the file itself rather than its preview page.
    url: `https://www.dropbox.com/s/${path}?dl=1`,
    hashNote: "MadryLab publishes no checksum for this file; its sha256 is recorded, not checked",
    licence: "MIT (MadryLab/robustness)",
    description:
      `Adversarially trained ResNet-50 (${what}) from MadryLab's robustness library (Engstrom et al. 2019).`,
  })),
];

const args = cliArgs(import.meta.url, (argv) =>
  parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      all: { type: "boolean", default: false },
      id: { type: "string" },
      name: { type: "string" },
      dtype: { type: "string", default: "float16" },
      variant: { type: "string" },
      preprocess: { type: "string" },
      out: { type: "string", default: join(ROOT, "static", "models") },
      "source-base": { type: "string" },
      backend: { type: "string", default: "wasm" },
    },
  }));
const log = (msg: string) => console.log(`[import] ${msg}`);
const fail = (msg: string): never => {
  console.error(`[import] ${msg}`);
  Deno.exit(2);
};
const dtype = args.values.dtype;
if (dtype !== "float16" && dtype !== "float32") {
  fail(`--dtype must be float16 or float32, got "${dtype}"`);
}
const variant = args.values.variant;
if (variant !== undefined && variant !== "torchvision-v1.5" && variant !== "keras-v1") {
  fail(`--variant must be torchvision-v1.5 or keras-v1, got "${variant}"`);
}
if (args.values.all === (args.positionals.length > 0) || args.positionals.length > 1) {
  fail(`give one file or URL, or --all\n${scriptUsage(import.meta.url)}`);
}
const PREPROCESS: Record<string, Preprocess> = { caffe: CAFFE, torch: TORCH_IMAGENET };
const preprocess = args.values.preprocess;
if (preprocess !== undefined && !(preprocess in PREPROCESS)) {
  fail(`--preprocess must be caffe or torch, got "${preprocess}"`);
}
const outDir = resolve(args.values.out!);

/** A source that could not be reached (as opposed to one that was reached and is bad). */
class UnreachableError extends Error {}

async function readSource(src: string): Promise<Uint8Array> {
  if (!/^https?:\/\//.test(src)) return await Deno.readFile(src);
  let res: Response;
  try {
    res = await fetch(src, { signal: AbortSignal.timeout(60_000) });
  } catch (e) {
    throw new UnreachableError(`${src} is unreachable (${(e as Error).message})`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new UnreachableError(`${src} answered HTTP ${res.status}`);
  }
  return new Uint8Array(await res.arrayBuffer());
}

interface Job {
  source: string;
  id?: string;
  name?: string;
  known?: KnownSource;
}

async function importOne(job: Job): Promise<void> {
  const started = performance.now();
  log(`${job.id ?? job.source}: reading ${job.source}`);
  const bytes = await readSource(job.source);
  const sha256 = await sha256Hex(bytes);
  const k = job.known;
  if (k?.sha256 && sha256 !== k.sha256) {
    throw new Error(`${job.source} has sha256 ${sha256}, expected ${k.sha256}; refusing it`);
  }
  if (k?.sha256Prefix && !sha256.startsWith(k.sha256Prefix)) {
    throw new Error(
      `${job.source} has sha256 ${sha256}, expected one starting ${k.sha256Prefix}; refusing it`,
    );
  }
  const { packed, format, notes } = await importWeights(bytes, {
    file: job.source,
    id: job.id,
    name: job.name,
    dtype: dtype as "float16" | "float32",
    variant: variant as ResnetVariant | undefined,
    preprocess: preprocess ? PREPROCESS[preprocess] : undefined,
    ...(k
      ? {
        source: { url: k.url, sha256, note: k.hashNote },
        licence: k.licence,
        description: k.description,
      }
      : {}),
  });
  const id = packed.manifest.id;
  log(`${id}: ${format}; ${notes.join("; ")}`);
  const net = await loadPacked(packed, { groups: ["body", "head"] });
  try {
    const report = await verifyNet(net);
    const layers = Object.keys(report);
    log(`${id}: verified ${layers.length} layers (${layers[0]} .. ${layers.at(-1)}): finite`);
  } finally {
    net.dispose();
  }
  const dir = await installModel(packed, outDir, { log });
  // The installed copy must load through file:// exactly as the app will read it.
  (await loadNet(pathToFileURL(join(dir, "manifest.json")))).dispose();
  log(`${id}: done in ${((performance.now() - started) / 1000).toFixed(1)} s -> ${dir}`);
}

await useBackend(args.values.backend!);
const jobs: Job[] = args.values.all
  ? KNOWN.map((k) => {
    const base = args.values["source-base"];
    const source = base ? new URL(new URL(k.url).pathname.slice(1), base).href : k.url;
    return { source, id: `${k.id}${dtype === "float32" ? "-f32" : ""}`, name: k.name, known: k };
  })
  : [{ source: args.positionals[0], id: args.values.id, name: args.values.name }];

let failures = 0;
let unreachable = 0;
for (const job of jobs) {
  try {
    await importOne(job);
  } catch (e) {
    const label = job.id ?? job.source;
    if (e instanceof UnreachableError) {
      unreachable++;
      console.error(
        `[import] ${label}: UNREACHABLE: ${e.message}\n[import]   what to do: download ${
          job.known?.url ?? job.source
        } on a machine that can reach it, then run: deno task models:import <downloaded file>${
          job.id ? ` --id ${job.id}` : ""
        }`,
      );
    } else {
      failures++;
      console.error(`[import] ${label}: FAILED: ${(e as Error).message}; nothing was installed`);
    }
  }
}
if (unreachable) log(`${unreachable} source(s) unreachable; the others were processed`);
Deno.exit(failures || (unreachable && !args.values.all) ? 1 : 0);
