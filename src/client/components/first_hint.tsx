/**
 * A first-time hint on what a backbone is, with the article's link; dismissed once, for good
 * (localStorage).
 */
import { useState } from "preact/hooks";

const KEY = "atelier.hint.backbones";
export const ARTICLE_URL = "https://distill.pub/2019/advex-bugs-discussion/response-4/";

function seen(): boolean {
  try {
    return localStorage.getItem(KEY) === "1";
  } catch {
    return false;
  }
}

export function FirstHint() {
  const [hidden, setHidden] = useState(seen);
  if (hidden) return null;
  return (
    <aside class="first-hint" aria-labelledby="first-hint-title">
      <h2 id="first-hint-title">How Atelier paints</h2>
      <p>
        Pick a photo and a painting, then press{" "}
        <strong>Paint</strong>. Atelier repaints the photo in the painting's style by optimising the
        picture against what a neural network (the{" "}
        <em>backbone</em>) sees in both. Different backbones see differently: the small networks are
        fast, and an adversarially robust ResNet-50 paints far better than a standard one, as R.
        Nakano found in{" "}
        <a href={ARTICLE_URL} target="_blank" rel="noopener">
          “Adversarially Robust Neural Style Transfer” (Distill, 2019)
        </a>
        . Everything runs on your own device; nothing is uploaded unless you share.
      </p>
      <button
        type="button"
        onClick={() => {
          try {
            localStorage.setItem(KEY, "1");
          } catch {
            // Private mode: the hint comes back next visit.
          }
          setHidden(true);
        }}
      >
        Got it
      </button>
    </aside>
  );
}
