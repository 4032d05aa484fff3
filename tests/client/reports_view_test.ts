import assert from "node:assert/strict";
import { bestPerNet, stripCells } from "../../src/client/components/reports_view.tsx";
import type { ExperimentCell } from "../../src/client/state/api.ts";

const cell = (net: string, fix: string, headline: number | undefined, image?: string) => ({
  net,
  fix,
  init: "content",
  headline,
  image,
} as ExperimentCell);

Deno.test("stripCells() keeps the lowest-headline cell per backbone and fix, servable images only", () => {
  const cells = [
    cell("a", "plain", 0.5, "images/a1.png"),
    cell("a", "plain", 0.3, "images/a2.png"),
    cell("a", "fourier", 0.9, "images/a3.png"),
    // The server serves only images/<name>.png: these would be broken links.
    cell("b", "plain", 0.1, "../secret.png"),
    cell("b", "swag", 0.1, "images/sub/x.png"),
    cell("b", "avgpool", 0.1),
  ];
  assert.deepEqual(stripCells(cells).map((c) => c.image), ["images/a2.png", "images/a3.png"]);
});

Deno.test("bestPerNet() compares headlines only within a backbone", () => {
  const cells = [
    cell("a", "plain", 0.5),
    cell("a", "fourier", 0.4),
    // b's judges differ from a's: its 0.9 is still b's best, and an unscored cell is skipped.
    cell("b", "plain", 0.9),
    cell("b", "swag", undefined),
  ];
  assert.deepEqual(bestPerNet(cells).map((c) => `${c.net}/${c.fix}`), ["a/fourier", "b/plain"]);
});
