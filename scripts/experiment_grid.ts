/**
 * `deno task experiment:grid`: compares recipes run by `deno task experiment:reference` (one
 * --out folder per recipe). Each folder's outputs become a row named after the folder; the
 * table gives, per row, the geometric mean over the article's pairs relative to the article's
 * robust output, and over every pair (article + tuning pairs) relative to the --base row, each
 * judged by a network other than the optimised one. Writes results.json and report.md.
 *
 * Usage: deno task experiment:grid --base experiments/grid/screen/dt_base
 *   --out experiments/grid/screen experiments/grid/screen/dt_* [--strips]
 */
import { parseArgs } from "node:util";
import { cliArgs } from "./lib/cli_args.ts";
import { basename, join, relative, resolve } from "node:path";
import {
  geometricMean,
  isArticleRow,
  METRICS,
  NONROBUST,
  reducedRow,
  reducedSize,
  relativeTable,
  ROBUST,
  type ScoredOutput,
} from "../src/shared/reference.ts";

const { values: a, positionals } = cliArgs(import.meta.url, (args) =>
  parseArgs({
    args,
    options: {
      base: { type: "string" },
      out: { type: "string", default: "experiments/grid" },
      title: { type: "string", default: "Recipe grid (issue 12 part 6)" },
      strips: { type: "boolean", default: false },
    },
    allowPositionals: true,
    strict: true,
  }));
if (!a.base || !positionals.length) {
  console.error("error: give --base <folder> and the run folders to compare");
  Deno.exit(2);
}

interface RunRecord {
  net: string;
  pair: string;
  iterations: number;
  evaluations: number;
  seconds: number;
}
interface Folder {
  row: string;
  dir: string;
  meta: { size: number; iterations: number; overrides: unknown; judges: string[] };
  runs: RunRecord[];
}
const folders: Folder[] = [];
const scored: ScoredOutput[] = [];
const article = new Set<string>();
const dirs = [...new Set([resolve(a.base), ...positionals.map((d) => resolve(d))])];
for (const dir of dirs) {
  let text: string;
  try {
    text = await Deno.readTextFile(join(dir, "results.json"));
  } catch {
    console.warn(`skipping ${dir}: no results.json`);
    continue;
  }
  const r = JSON.parse(text);
  const row = basename(dir);
  folders.push({ row, dir, meta: r.meta, runs: r.runs });
  for (const s of r.scored as ScoredOutput[]) {
    if (isArticleRow(s.row)) {
      if (article.has(`${s.row}/${s.pair}`)) continue;
      article.add(`${s.row}/${s.pair}`);
      scored.push(s);
    } else scored.push({ ...s, row });
  }
}
const base = basename(resolve(a.base));
const judges = [...new Set(folders.flatMap((f) => f.meta.judges))];
const vsRobust = relativeTable(scored, judges);
const vsBase = relativeTable(scored, judges, base);
/** Like for like: relative to the robust output reduced to a folder's output size. */
const vsReduced = new Map<number, ReturnType<typeof relativeTable>>();
const reducedTable = (size: number) => {
  if (!vsReduced.has(size)) {
    vsReduced.set(size, relativeTable(scored, judges, reducedRow(ROBUST, size)));
  }
  return vsReduced.get(size)!;
};

const num = (x: number | undefined) =>
  x === undefined || Number.isNaN(x)
    ? "n/a"
    : x >= 100 || x < 0.01
    ? x.toExponential(1)
    : x.toFixed(2);
const lines = [
  `# ${a.title}`,
  "",
  "Per recipe (one folder of `deno task experiment:reference` each): geometric means over the",
  "article's pairs of each distance / the article's robust ResNet-50 output's (\"vs robust\"),",
  `and over all pairs run (article + tuning pairs) / the base recipe's (${base}) ("vs base").`,
  "Judge: the first of the judges that is not the optimised network. Lower is better for style,",
  "colour and nyquist; content is the judge's distance to the photo (issue target <= 1.5 vs robust).",
  '"style vs robust at size": like for like, over the robust output reduced to the recipe\'s output',
  "size and judged as ours is (empty where the folder has no reduced row: sizes from 768 px, or",
  "results written before the row existed; `--reuse` re-judges a folder).",
  "",
  `| recipe | net | size/iters | judge | ${
    METRICS.map((m) => `${m} vs robust`).join(" | ")
  } | style vs robust at size | ${
    METRICS.map((m) => `${m} vs base`).join(" | ")
  } | s/pair | evals/iter | overrides |`,
  `|${"---|".repeat(2 * METRICS.length + 8)}`,
];
const summary: Record<string, unknown>[] = [];
for (const f of folders) {
  const net = f.runs[0]?.net ?? "";
  const judge = judges.find((j) => j !== net && vsBase[f.row]?.[j]?.style) ??
    judges.find((j) => j !== net)!;
  const r = vsRobust[f.row]?.[judge] ?? {};
  const b = vsBase[f.row]?.[judge] ?? {};
  const atSize = reducedTable(f.meta.size)[f.row]?.[judge]?.style?.geomean;
  const seconds = geometricMean(f.runs.map((x) => x.seconds));
  const epi = f.runs.reduce((s, x) => s + x.evaluations, 0) /
    Math.max(1, f.runs.reduce((s, x) => s + x.iterations, 0));
  summary.push({
    recipe: f.row,
    net,
    judge,
    size: f.meta.size,
    iterations: f.meta.iterations,
    overrides: f.meta.overrides,
    vsRobust: Object.fromEntries(METRICS.map((m) => [m, r[m]?.geomean])),
    styleVsRobustAtSize: atSize,
    vsBase: Object.fromEntries(METRICS.map((m) => [m, b[m]?.geomean])),
    vsBasePerPair: Object.fromEntries(METRICS.map((m) => [m, b[m]?.perPair])),
    secondsPerPairGeomean: seconds,
    evaluationsPerIteration: epi,
  });
  lines.push(
    `| ${f.row} | ${net} | ${f.meta.size}/${f.meta.iterations} | ${judge} | ${
      METRICS.map((m) => num(r[m]?.geomean)).join(" | ")
    } | ${num(atSize)} | ${METRICS.map((m) => num(b[m]?.geomean)).join(" | ")} | ${
      seconds.toFixed(0)
    } | ${epi.toFixed(2)} | \`${JSON.stringify(f.meta.overrides)}\` |`,
  );
}
// The article's own outputs, per judge, for scale (the robust one is 1.00 by construction),
// and reduced to each output size in the grid.
const sizes = [...new Set(folders.map((f) => f.meta.size))].sort((x, y) => x - y);
const articleRows = [
  ROBUST,
  NONROBUST,
  ...sizes.flatMap((n) => ([ROBUST, NONROBUST] as const).map((r) => reducedRow(r, n))),
];
for (const row of articleRows) {
  for (const judge of judges) {
    const r = vsRobust[row]?.[judge];
    if (!r?.style) continue;
    const at = reducedSize(row);
    lines.push(
      `| ${row} | resnet50 (article) | ${at ? `${at} px` : "768x512"} | ${judge} | ${
        METRICS.map((m) => num(r[m]?.geomean)).join(" | ")
      } | ${at ? num(reducedTable(at)[row]?.[judge]?.style?.geomean) : ""} |${
        " |".repeat(METRICS.length + 3)
      }`,
    );
  }
}
const out = resolve(a.out);
await Deno.mkdir(out, { recursive: true });
if (a.strips) {
  lines.push("");
  for (const f of folders) {
    for await (const e of Deno.readDir(f.dir)) {
      if (e.name.startsWith("strip_") && e.name.endsWith(".png")) {
        lines.push(`${f.row}: ![${f.row} ${e.name}](${relative(out, join(f.dir, e.name))})`, "");
      }
    }
  }
}
await Deno.writeTextFile(
  join(out, "results.json"),
  JSON.stringify(
    {
      base,
      judges,
      recipes: summary,
      article: { robust: vsRobust[ROBUST], standard: vsRobust[NONROBUST] },
    },
    null,
    2,
  ),
);
await Deno.writeTextFile(join(out, "report.md"), lines.join("\n") + "\n");
console.log(lines.join("\n"));
