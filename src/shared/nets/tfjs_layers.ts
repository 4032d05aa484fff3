/**
 * Reads a TensorFlow.js "layers-model" (model.json + binary weight files) into plain float32
 * arrays without tfjs-layers, so that the converter runs in any face (CLI, tests, browser).
 */
import { concatBytes } from "./_bytes.ts";

/** A named float32 tensor held as a plain array. */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

/** One Keras layer of a tfjs layers-model topology. */
export interface KerasLayer {
  class_name: string;
  name: string;
  config: Record<string, unknown>;
  inbound_nodes: unknown[];
}

/** A layers-model read into memory. */
export interface TfjsLayersModel {
  layers: KerasLayer[];
  weights: Map<string, HostTensor>;
}

interface WeightsManifestGroup {
  paths: string[];
  weights: { name: string; shape: number[]; dtype: string }[];
}

/**
 * Parses `model.json` and reads its weight files through `readFile` (relative paths as listed
 * in the manifest). Throws naming the file when a weight file is shorter than the manifest says.
 */
export async function readTfjsLayersModel(
  modelJson: unknown,
  readFile: (path: string) => Promise<Uint8Array>,
): Promise<TfjsLayersModel> {
  const json = modelJson as {
    modelTopology?: { model_config?: { config?: { layers?: KerasLayer[] } } } & {
      config?: { layers?: KerasLayer[] };
    };
    weightsManifest?: WeightsManifestGroup[];
  };
  const topo = json.modelTopology;
  const layers = topo?.model_config?.config?.layers ?? topo?.config?.layers;
  if (!Array.isArray(layers) || !Array.isArray(json.weightsManifest)) {
    throw new TypeError(
      "model.json: expected a tfjs layers-model with modelTopology and weightsManifest",
    );
  }
  const weights = new Map<string, HostTensor>();
  for (const group of json.weightsManifest) {
    const parts: Uint8Array[] = [];
    for (const path of group.paths) parts.push(await readFile(path));
    const bytes = concatBytes(parts);
    const total = bytes.length;
    let offset = 0;
    for (const w of group.weights) {
      if (w.dtype !== "float32") {
        throw new TypeError(
          `model.json: weight ${w.name} is ${w.dtype}; only float32 is supported`,
        );
      }
      const n = w.shape.reduce((a, b) => a * b, 1);
      if (offset + n * 4 > total) {
        throw new RangeError(
          `weight files ${
            group.paths.join(", ")
          } hold ${total} bytes; weight ${w.name} needs bytes up to ${offset + n * 4}`,
        );
      }
      const data = new Float32Array(bytes.buffer.slice(offset, offset + n * 4));
      weights.set(w.name, { shape: w.shape, data });
      offset += n * 4;
    }
    if (offset !== total) {
      throw new RangeError(
        `weight files ${
          group.paths.join(", ")
        } hold ${total} bytes; the manifest describes ${offset}`,
      );
    }
  }
  return { layers, weights };
}
