/** The CLI's backend start-up helpers (scripts/lib/tf_node.ts). */
import assert from "node:assert/strict";
import { flatFeatures } from "../../scripts/lib/tf_node.ts";

Deno.test("flatFeatures() flattens tfjs-webgpu's nested feature request and leaves the rest alone", () => {
  // What tfjs-backend-webgpu 4.22 asks of an adapter with both features (base.js), which Deno's
  // requestDevice() refuses ("can not be converted to a enum").
  const asked = {
    requiredLimits: { maxBufferSize: 1024 },
    requiredFeatures: ["timestamp-query", ["bgra8unorm-storage"]],
  };
  assert.deepEqual(flatFeatures(asked), {
    requiredLimits: { maxBufferSize: 1024 },
    requiredFeatures: ["timestamp-query", "bgra8unorm-storage"],
  });
  assert.deepEqual(asked.requiredFeatures[1], ["bgra8unorm-storage"], "the caller's is untouched");
  // Already flat, empty or absent: the same object.
  const flat = { requiredFeatures: ["timestamp-query"] };
  assert.equal(flatFeatures(flat), flat);
  const none: { requiredLimits: object; requiredFeatures?: string[] } = { requiredLimits: {} };
  assert.equal(flatFeatures(none), none);
  assert.equal(flatFeatures(undefined), undefined);
});
