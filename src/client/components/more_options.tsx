/**
 * "More options": the settings, folded away on a first visit so that the examples and Paint are
 * what a newcomer sees. Its open state is remembered (localStorage), and a remix opens it, since
 * the recipe is what a remix brings.
 */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";

const KEY = "atelier.moreOptions";

function initiallyOpen(): boolean {
  if (new URLSearchParams(location.search).has("remix")) return true;
  try {
    return localStorage.getItem(KEY) === "open";
  } catch {
    return false;
  }
}

export function MoreOptions(props: { children: ComponentChildren }) {
  const [open, setOpen] = useState(initiallyOpen);
  return (
    <details
      class="more-options"
      open={open}
      onToggle={(e) => {
        const now = (e.currentTarget as HTMLDetailsElement).open;
        setOpen(now);
        try {
          localStorage.setItem(KEY, now ? "open" : "closed");
        } catch {
          // Private mode: the choice lasts for this page only.
        }
      }}
    >
      <summary>More options</summary>
      {props.children}
    </details>
  );
}
