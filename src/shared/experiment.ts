/**
 * The article as a measured experiment: the fixes Nakano (2019) and Mordvintsev et al. (2018)
 * propose, expressed as recipe changes that any backbone can take, plus the summary statistics
 * of a grid (means and per-pair wins). Shared by `deno task experiment` and the tests.
 */
import type { ModelManifest } from "./nets/manifest.ts";
import { LUCID_TRANSFORMS } from "./presets.ts";
import type { RecipeInput } from "./types.ts";

/** A named change to a recipe. */
export interface Fix {
  id: string;
  label: string;
  /** Whether the fix applies to this network (e.g. average pooling needs a max pool). */
  applies(manifest: ModelManifest): boolean;
  apply(recipe: RecipeInput): RecipeInput;
}

export const FIXES: Fix[] = [
  {
    id: "plain",
    label: "plain pixels (L-BFGS)",
    applies: () => true,
    apply: (r) => r,
  },
  {
    // Mordvintsev et al. 2018: decorrelated Fourier parameterisation + transformation
    // robustness, optimised with Adam as in lucid (random transforms suit a stochastic method).
    id: "fourier",
    label: "Fourier + decorrelated colour + transforms (Adam)",
    applies: () => true,
    apply: (r) => ({
      ...r,
      param: { kind: "fourier", decorrelate: true },
      transforms: LUCID_TRANSFORMS,
      optimizer: { kind: "adam", learningRate: 0.05 },
    }),
  },
  {
    id: "swag",
    label: "SWAG activation smoothing (L-BFGS)",
    applies: () => true,
    apply: (r) => ({ ...r, swag: true }),
  },
  {
    id: "avgpool",
    label: "average pooling (L-BFGS)",
    applies: (m) => m.graph.some((n) => n.op === "maxPool"),
    apply: (r) => ({ ...r, net: { ...r.net, pooling: "avg" } }),
  },
];

/** Per-column mean of a metric and how often each column beats a baseline column per row. */
export interface GridSummary {
  columns: string[];
  mean: Record<string, number>;
  /** column -> number of rows where it is strictly lower (better) than the baseline. */
  winsOverBaseline: Record<string, number>;
  rows: number;
}

/**
 * Summarises a rows x columns table of a lower-is-better metric (missing cells skipped):
 * column means and per-row wins over `baseline`.
 */
export function summarize(
  table: Record<string, Record<string, number | undefined>>,
  baseline: string,
): GridSummary {
  const rows = Object.keys(table);
  const columns = [...new Set(rows.flatMap((r) => Object.keys(table[r])))];
  const mean: Record<string, number> = {};
  const winsOverBaseline: Record<string, number> = {};
  for (const c of columns) {
    const vals = rows.map((r) => table[r][c]).filter((v): v is number => v !== undefined);
    mean[c] = vals.reduce((a, b) => a + b, 0) / (vals.length || NaN);
    winsOverBaseline[c] = rows.filter((r) => {
      const v = table[r][c];
      const b = table[r][baseline];
      return v !== undefined && b !== undefined && v < b;
    }).length;
  }
  return { columns, mean, winsOverBaseline, rows: rows.length };
}
