/**
 * What the running tfjs backend can hold: the largest tensor, the largest texture and a memory
 * budget, read from the device where the backend tells (WebGPU limits, WebGL's max texture
 * size). src/client/limits.ts turns them into the largest image size that fits.
 */
import { tf } from "./tf_setup.ts";
import type { BackendName, DeviceLimits } from "./protocol.ts";
import { webgpuMaxConvPixels } from "../shared/tiling/plan.ts";

const GiB = 2 ** 30;

/** Limits of backend `name`, which must be the active tfjs backend. */
export function limitsOf(name: BackendName): DeviceLimits {
  if (name === "webgpu") {
    const l = (tf.backend() as unknown as { device: GPUDevice }).device.limits;
    return {
      maxTensorBytes: Math.min(l.maxBufferSize, l.maxStorageBufferBindingSize),
      maxTextureSize: Infinity,
      memoryBytes: 2 * GiB,
      maxConvPixels: webgpuMaxConvPixels(l.maxComputeWorkgroupsPerDimension),
    };
  }
  if (name === "webgl") {
    return {
      maxTensorBytes: Infinity,
      maxTextureSize: tf.env().getNumber("WEBGL_MAX_TEXTURE_SIZE"),
      memoryBytes: 1 * GiB,
    };
  }
  // wasm32 heaps stop at 4 GiB and tfjs keeps tensors in it; plain JS arrays fare no better.
  return { maxTensorBytes: GiB, maxTextureSize: Infinity, memoryBytes: 1.5 * GiB };
}
