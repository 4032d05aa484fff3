/**
 * Builds the studio's example photos and paintings from the team images (../shared/images) into
 * the client build folder: per image a 160 px WebP thumbnail and a 512 px WebP working copy under
 * content-hashed flat names (the server serves dist/client flat files, immutable when hashed),
 * and examples.json listing them with their credits and licences. Nothing is committed: without
 * ../shared the list is empty and the studio shows only its file pickers. build_client.ts calls
 * buildExamples() after each build, because a build empties dist/client.
 *
 *   deno run -A scripts/build_examples.ts [--shared DIR] [--out DIR]
 */
import sharp from "sharp";

/** One example input as examples.json lists it. */
export interface Example {
  id: string;
  kind: "content" | "style";
  title: string;
  credit: string;
  licence: string;
  /** Served path of the 160 px thumbnail. */
  thumb: string;
  /** Served path of the working copy (512 px long side). */
  image: string;
  width: number;
  height: number;
}

/** A picture painted by Atelier itself, for the first visit's hero strip. */
export interface HeroImage {
  /** Served path. */
  image: string;
  caption: string;
  credit: string;
}

/** examples.json. */
export interface ExamplesManifest {
  examples: Example[];
  /** Empty until a script paints them (issue 15); the studio shows the strip when present. */
  hero: HeroImage[];
}

/** One team image the examples (and the hero strip) are built from. */
export interface Source {
  id: string;
  kind: Example["kind"];
  file: string;
  title: string;
  credit: string;
  licence: string;
}

// Provenance from ../shared/README.md: scikit-image 0.19.3 sample data (Debian
// python3-skimage-lib) and the public-domain paintings of jcjohnson/neural-style.
const SKIMAGE = "scikit-image sample data";
const NEURAL_STYLE = "file from jcjohnson/neural-style";
export const SOURCES: Source[] = [
  {
    id: "chelsea",
    kind: "content",
    file: "content/chelsea.png",
    title: "Chelsea the cat",
    credit: `Stefan van der Walt, ${SKIMAGE}`,
    licence: "CC0",
  },
  {
    id: "coffee",
    kind: "content",
    file: "content/coffee.png",
    title: "A cup of coffee",
    credit: `Rachel Michetti, ${SKIMAGE}`,
    licence: "CC0",
  },
  {
    id: "astronaut",
    kind: "content",
    file: "content/astronaut.png",
    title: "Astronaut Eileen Collins",
    credit: `NASA, ${SKIMAGE}`,
    licence: "Public domain",
  },
  {
    id: "rocket",
    kind: "content",
    file: "content/rocket.jpg",
    title: "A Falcon 9 launch",
    credit: `SpaceX, ${SKIMAGE}`,
    licence: "Public domain",
  },
  {
    id: "starry-night",
    kind: "style",
    file: "style/starry_night.jpg",
    title: "The Starry Night (van Gogh, 1889)",
    credit: `Vincent van Gogh, ${NEURAL_STYLE}`,
    licence: "Public domain",
  },
  {
    id: "the-scream",
    kind: "style",
    file: "style/the_scream.jpg",
    title: "The Scream (Munch, 1893)",
    credit: `Edvard Munch, ${NEURAL_STYLE}`,
    licence: "Public domain",
  },
  {
    id: "shipwreck",
    kind: "style",
    file: "style/shipwreck.jpg",
    title: "The Shipwreck (Turner, 1805)",
    credit: `J. M. W. Turner, ${NEURAL_STYLE}`,
    licence: "Public domain",
  },
  {
    id: "woman-with-hat",
    kind: "style",
    file: "style/woman-with-hat-matisse.jpg",
    title: "Woman with a Hat (Matisse, 1905)",
    credit: `Henri Matisse, ${NEURAL_STYLE}`,
    licence: "Public domain",
  },
  {
    id: "seated-nude",
    kind: "style",
    file: "style/seated-nude.jpg",
    title: "Seated Nude (Picasso, 1909)",
    credit: `Pablo Picasso, ${NEURAL_STYLE}`,
    licence: "Public domain",
  },
];

const THUMB_SIDE = 160;
const WORK_SIDE = 512;

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Writes bytes under a 16-hex content-hashed flat name; returns the served path. */
async function writeHashed(outDir: URL, stem: string, bytes: Uint8Array): Promise<string> {
  const name = `${stem}-${(await sha256Hex(bytes)).slice(0, 16)}.webp`;
  await Deno.writeFile(new URL(name, outDir), bytes);
  return `/${name}`;
}

/** Options of buildExamples(). */
export interface BuildExamplesOptions {
  /** The team images folder; default ../shared/images beside the repository. */
  imagesDir?: URL;
  hero?: HeroImage[];
}

/**
 * Writes the examples into `outDir` (a flat served folder) and returns the manifest. Missing
 * source files are skipped with a note on stderr: the studio works without them.
 */
export async function buildExamples(
  outDir: URL,
  opts: BuildExamplesOptions = {},
): Promise<ExamplesManifest> {
  const images = opts.imagesDir ?? new URL("../../shared/images/", import.meta.url);
  const examples: Example[] = [];
  const missing: string[] = [];
  for (const s of SOURCES) {
    let input: Uint8Array;
    try {
      input = await Deno.readFile(new URL(s.file, images));
    } catch {
      missing.push(s.file);
      continue;
    }
    // rotate() applies EXIF orientation before the metadata is dropped.
    const work = await sharp(input).rotate()
      .resize(WORK_SIDE, WORK_SIDE, { fit: "inside", withoutEnlargement: true })
      .webp({ quality: 90 }).toBuffer({ resolveWithObject: true });
    const thumb = await sharp(input).rotate()
      .resize(THUMB_SIDE, THUMB_SIDE, { fit: "cover" })
      .webp({ quality: 80 }).toBuffer();
    examples.push({
      id: s.id,
      kind: s.kind,
      title: s.title,
      credit: s.credit,
      licence: s.licence,
      thumb: await writeHashed(outDir, `example-${s.id}-thumb`, new Uint8Array(thumb)),
      image: await writeHashed(outDir, `example-${s.id}`, new Uint8Array(work.data)),
      width: work.info.width,
      height: work.info.height,
    });
  }
  if (missing.length) {
    console.error(
      `build_examples: ${missing.length} example image(s) not found under ${images.pathname} ` +
        `(${missing.join(", ")}): the studio lists only the others`,
    );
  }
  const manifest: ExamplesManifest = { examples, hero: opts.hero ?? [] };
  await Deno.writeTextFile(
    new URL("examples.json", outDir),
    JSON.stringify(manifest, null, 2) + "\n",
  );
  return manifest;
}

if (import.meta.main) {
  const arg = (name: string) => {
    const i = Deno.args.indexOf(name);
    return i >= 0 ? Deno.args[i + 1] : undefined;
  };
  const dir = (p: string) => new URL(p.endsWith("/") ? p : `${p}/`, `file://${Deno.cwd()}/`);
  const out = dir(arg("--out") ?? "dist/client");
  await Deno.mkdir(out, { recursive: true });
  const shared = arg("--shared");
  const m = await buildExamples(out, shared ? { imagesDir: dir(shared) } : {});
  console.log(`${m.examples.length} examples written to ${out.pathname}`);
}
