/**
 * Experiment reports, read-only: `GET /api/experiments` lists the folders of the experiments
 * directory that hold a report.html (with meta.date from results.json when present), and
 * `/experiments/<name>/report.html`, `/results.json` and `/images/<file>.png` serve their files.
 * Names must match strict patterns (no dots at the start, no `..`, no separators, so encoded
 * traversal never reaches the file system) and every path is resolved and checked to stay
 * inside the directory, symbolic links included. Reports are static HTML; the app's CSP
 * (script-src 'self') keeps any script in one from running.
 */
import { join, resolve, sep } from "node:path";
import type { ServeEnv } from "../context.ts";
import { type Context, Hono } from "../deps.ts";
import { ApiError, methodNotAllowed } from "../errors.ts";
import { fileBody } from "../file_body.ts";

/** An experiment folder: as `deno task experiment --out experiments/NAME` names it. */
export const EXPERIMENT_NAME_RE = /^[A-Za-z0-9](?:[A-Za-z0-9_+-]|\.(?!\.)){0,99}$/;
/** An image of a report, e.g. "chelsea+starry_night__darknet-tiny__plain__content__sw1000.png". */
export const REPORT_IMAGE_RE = /^[A-Za-z0-9](?:[A-Za-z0-9_+-]|\.(?!\.)){0,199}\.png$/;

/** One listed report. */
export interface ExperimentSummary {
  name: string;
  /** results.json meta.date (ISO 8601), when present. */
  date?: string;
  report: string;
}

const TYPES = {
  "report.html": "text/html; charset=utf-8",
  "results.json": "application/json",
  png: "image/png",
} as const;

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/** meta.date of results.json, if the file exists, parses and has a string date. */
async function dateOf(dir: string): Promise<string | undefined> {
  try {
    const meta = JSON.parse(await Deno.readTextFile(join(dir, "results.json")))?.meta;
    const d = meta?.date;
    return typeof d === "string" && !Number.isNaN(Date.parse(d)) ? d : undefined;
  } catch {
    return undefined;
  }
}

/** Lists the reports under `root`, newest first (undated last, then by name). */
export async function listExperiments(root: string): Promise<ExperimentSummary[]> {
  const out: ExperimentSummary[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(root));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  for (const e of entries) {
    if (!e.isDirectory || !EXPERIMENT_NAME_RE.test(e.name)) continue;
    const dir = join(root, e.name);
    if (!(await isFile(join(dir, "report.html")))) continue;
    const date = await dateOf(dir);
    out.push({
      name: e.name,
      ...(date ? { date } : {}),
      report: `/experiments/${encodeURIComponent(e.name)}/report.html`,
    });
  }
  return out.sort((a, b) =>
    (b.date ?? "").localeCompare(a.date ?? "") || a.name.localeCompare(b.name)
  );
}

export function experimentRoutes(dir: string): { api: Hono<ServeEnv>; files: Hono<ServeEnv> } {
  const root = resolve(dir);
  const api = new Hono<ServeEnv>();
  api.get("/", async (c) => {
    c.header("Cache-Control", "no-cache");
    return c.json({ experiments: await listExperiments(root) });
  });
  api.all("/", () => methodNotAllowed("GET, HEAD"));

  const files = new Hono<ServeEnv>();
  const notFound = (what: string) =>
    new ApiError(404, "not_found", `No experiment file ${what.slice(0, 200)}`);

  /** Opens a file of experiment `name` at `rel`, refusing anything outside the root. */
  async function serve(
    c: Context<ServeEnv>,
    name: string,
    rel: string[],
    type: string,
  ): Promise<Response> {
    if (!EXPERIMENT_NAME_RE.test(name)) throw notFound(`${name}/${rel.join("/")}`);
    const path = resolve(root, name, ...rel);
    let real: string;
    let realRoot: string;
    try {
      // Symbolic links are followed before the check, so a link cannot lead outside either.
      [real, realRoot] = await Promise.all([Deno.realPath(path), Deno.realPath(root)]);
    } catch {
      throw notFound(`${name}/${rel.join("/")}`);
    }
    if (!path.startsWith(root + sep) || !real.startsWith(realRoot + sep)) {
      throw notFound(`${name}/${rel.join("/")}`);
    }
    let file: Deno.FsFile;
    try {
      file = await Deno.open(real, { read: true });
    } catch {
      throw notFound(`${name}/${rel.join("/")}`);
    }
    const stat = await file.stat();
    if (!stat.isFile) {
      file.close();
      throw notFound(`${name}/${rel.join("/")}`);
    }
    c.header("Content-Type", type);
    c.header("Content-Length", String(stat.size));
    c.header("Cache-Control", "no-cache");
    return fileBody(c, file);
  }

  for (const leaf of ["report.html", "results.json"] as const) {
    files.get(`/:name/${leaf}`, (c) => serve(c, c.req.param("name"), [leaf], TYPES[leaf]));
    files.all(`/:name/${leaf}`, () => methodNotAllowed("GET, HEAD"));
  }
  files.get("/:name/images/:file", (c) => {
    const file = c.req.param("file");
    if (!REPORT_IMAGE_RE.test(file)) throw notFound(`${c.req.param("name")}/images/${file}`);
    return serve(c, c.req.param("name"), ["images", file], TYPES.png);
  });
  files.all("/:name/images/:file", () => methodNotAllowed("GET, HEAD"));
  return { api, files };
}
