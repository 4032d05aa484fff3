/** The CLI's backend start-up helpers (scripts/lib/tf_node.ts). */
import assert from "node:assert/strict";
import { denoDeviceDescriptor } from "../../scripts/lib/tf_node.ts";

Deno.test("denoDeviceDescriptor() flattens tfjs-webgpu's nested feature request and caps its limits, and leaves the rest alone", () => {
  // What tfjs-backend-webgpu 4.22 asks of an NVIDIA H200 over Vulkan (base.js, the adapter's own
  // limits), which Deno's requestDevice() refuses twice: "can not be converted to a enum" and
  // "outside the accepted range of $0 to $9007199254740991".
  const asked = {
    requiredFeatures: ["timestamp-query", ["bgra8unorm-storage"]],
    requiredLimits: { maxBufferSize: 2 ** 64, maxStorageBufferBindingSize: 2 ** 31 },
  };
  assert.deepEqual(denoDeviceDescriptor(asked), {
    requiredFeatures: ["timestamp-query", "bgra8unorm-storage"],
    requiredLimits: {
      maxBufferSize: Number.MAX_SAFE_INTEGER,
      maxStorageBufferBindingSize: 2 ** 31,
    },
  });
  assert.deepEqual(asked.requiredFeatures[1], ["bgra8unorm-storage"], "the caller's is untouched");
  assert.equal(asked.requiredLimits.maxBufferSize, 2 ** 64, "the caller's is untouched");
  // Already acceptable, empty or absent: the same object.
  const fine = {
    requiredFeatures: ["timestamp-query"],
    requiredLimits: { maxBufferSize: 2 ** 31 },
  };
  assert.equal(denoDeviceDescriptor(fine), fine);
  const none: { requiredLimits?: Record<string, number> } = {};
  assert.equal(denoDeviceDescriptor(none), none);
  assert.equal(denoDeviceDescriptor(undefined), undefined);
});
