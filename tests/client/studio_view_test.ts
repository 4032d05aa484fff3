import assert from "node:assert/strict";
import { backendLabel, tileText } from "../../src/client/components/studio_view.tsx";
import type { BackendInfo } from "../../src/client/protocol.ts";

const base = {
  note: "",
  failed: [],
  limits: { maxTensorBytes: 1, maxTextureSize: 1, memoryBytes: 1 },
} as unknown as Omit<BackendInfo, "name">;

Deno.test("backendLabel() names the backend with its threads or its adapter", () => {
  assert.equal(backendLabel({ ...base, name: "wasm", threads: 1 }), "wasm, 1 thread");
  assert.equal(backendLabel({ ...base, name: "wasm", threads: 4 }), "wasm, 4 threads");
  assert.equal(
    backendLabel({ ...base, name: "webgpu", adapter: "google swiftshader" }),
    "webgpu, google swiftshader",
  );
  // A probe that learnt neither says only the name.
  assert.equal(backendLabel({ ...base, name: "webgl" }), "webgl");
});

Deno.test("tileText() says scale, tile and pass counting from 1", () => {
  // The engine counts scales and tiles from 0; people count from 1.
  assert.equal(
    tileText({ scale: 1, scales: 3, pass: 2, index: 3, count: 9 }),
    "scale 2/3 · tile 4/9 (pass 2/2)",
  );
});
