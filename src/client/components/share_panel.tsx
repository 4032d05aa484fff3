/**
 * Download the result (PNG, recipe JSON) and share it to the gallery with its paintings, and
 * with the photo only when "Share my photo" is ticked (off by default), so others can remix it.
 */
import { useState } from "preact/hooks";
import { share, type ShareResult } from "../state/api.ts";
import { shareCopy } from "../state/images.ts";
import { download, type RunOutput } from "../state/run.ts";

export function SharePanel(props: { result: RunOutput; onError: (message: string) => void }) {
  const [title, setTitle] = useState("");
  const [busy, setBusy] = useState(false);
  const [shared, setShared] = useState<ShareResult & { url: string }>();
  const [copied, setCopied] = useState(false);
  const [sharePhoto, setSharePhoto] = useState(false);
  const { result } = props;
  const doShare = async () => {
    setBusy(true);
    try {
      const inputs = result.inputs && {
        content: sharePhoto ? result.inputs.content : undefined,
        styles: result.inputs.styles,
      };
      // The download stays full size; the gallery gets a copy within the server's limits.
      const image = await shareCopy(result.png);
      const r = await share(image, result.recipe, title.trim() || "Untitled", inputs);
      setShared({ ...r, url: new URL(r.permalink, location.href).href });
    } catch (e) {
      props.onError(`Sharing failed: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="share-panel" aria-label="Download and share">
      <div class="row">
        <button type="button" onClick={() => download(result.png, "atelier.png")}>
          Download PNG
        </button>
        <button
          type="button"
          onClick={() =>
            download(
              new Blob([JSON.stringify(result.recipe, null, 2)], { type: "application/json" }),
              "atelier-recipe.json",
            )}
        >
          Download recipe JSON
        </button>
      </div>
      {!shared && (
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            doShare();
          }}
        >
          <label>
            Title
            <input
              type="text"
              maxLength={100}
              value={title}
              onInput={(e) => setTitle(e.currentTarget.value)}
            />
          </label>
          <label>
            <input
              type="checkbox"
              checked={sharePhoto}
              disabled={!result.inputs}
              onChange={(e) => setSharePhoto(e.currentTarget.checked)}
            />{" "}
            Share my photo
          </label>
          <button type="submit" disabled={busy}>{busy ? "Sharing…" : "Share to gallery"}</button>
          <p class="hint">
            {result.inputs
              ? "The painting(s) are shared so others can remix this; your photo stays private unless you tick the box."
              : "This result was saved without its images (by an older version): it will be shared without them, so a remix loads only the recipe."}
          </p>
        </form>
      )}
      {shared && (
        <div class="shared" role="status">
          <p>
            Shared: <a href={shared.url} data-testid="permalink">{shared.url}</a>{" "}
            <button
              type="button"
              onClick={async () => {
                await navigator.clipboard?.writeText(shared.url).catch(() => undefined);
                setCopied(true);
              }}
            >
              {copied ? "Copied" : "Copy link"}
            </button>
          </p>
          <p>
            Delete token (shown only once; keep it to delete this entry):{" "}
            <code data-testid="delete-token">{shared.deleteToken}</code>
          </p>
        </div>
      )}
    </section>
  );
}
