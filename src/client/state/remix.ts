/**
 * Remix: loads a shared entry's recipe and its stored inputs (the paintings, and the photo when
 * its owner shared it) so that Run re-runs it. The inputs are the exact pixels the first run
 * used (PNG, re-encoded losslessly by the server), so the same backend and seed give the same
 * image (issue 15).
 */
import type { RecipeInput } from "../../shared/types.ts";
import { getEntry, getInput } from "./api.ts";
import { readImage } from "./images.ts";
import type { Inputs } from "./inputs.ts";

/** What a loaded remix tells the page. */
export interface Remix {
  title: string;
  recipe: RecipeInput;
  /** For a notice: what was loaded and what the user still has to add. */
  message: string;
}

/** Fetches entry `id`, puts its inputs into `inputs` and returns its recipe. */
export async function loadRemix(id: string, inputs: Inputs): Promise<Remix> {
  const entry = await getEntry(id);
  const { recipe, title } = entry;
  const stored = entry.inputs;
  if (!stored) {
    return {
      title,
      recipe,
      message:
        `Loaded the recipe of “${title}”: it was shared without its images, so add your own content and style images, then Run.`,
    };
  }
  const file = async (url: Blob, name: string) =>
    await readImage(new File([url], name, { type: url.type }));
  const styles = await Promise.all(stored.styles.map(async (s, i) => ({
    image: await file(await getInput(s), recipe.styles[i]?.name ?? `painting-${i + 1}.png`),
    weight: recipe.styles[i]?.weight ?? 1,
  })));
  const content = stored.content
    ? await file(await getInput(stored.content), recipe.content.name)
    : undefined;
  if (content) inputs.replace(content, styles);
  else inputs.setStyles(styles);
  return {
    title,
    recipe,
    message: content
      ? `Loaded “${title}” with its photo and paintings: Run paints it again.`
      : `Loaded the recipe and paintings of “${title}”: its photo is private, so add a photo of your own, then Run.`,
  };
}
