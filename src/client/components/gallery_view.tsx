/**
 * The gallery: newest first, infinite scroll, a backbone filter, remix links, and "more with
 * this painting" (?style=<sha256> in the page URL, set by the permalink page).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { ModelSummary } from "../../shared/types.ts";
import { backboneOf, type GalleryItem, listGallery } from "../state/api.ts";

export function GalleryView(props: { models: ModelSummary[]; notify: (m: string) => void }) {
  const [backbone, setBackbone] = useState("");
  const [style, setStyle] = useState(
    () => /^[0-9a-f]{64}$/.exec(new URLSearchParams(location.search).get("style") ?? "")?.[0] ?? "",
  );
  const [items, setItems] = useState<GalleryItem[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const sentinel = useRef<HTMLDivElement>(null);
  const done = cursor === null;

  const more = async (reset = false) => {
    if (loading || (!reset && done)) return;
    setLoading(true);
    try {
      const page = await listGallery({
        cursor: reset ? undefined : cursor ?? undefined,
        backbone,
        style,
      });
      setItems((cur) => (reset ? page.items : [...cur, ...page.items]));
      setCursor(page.nextCursor ?? null);
    } catch (e) {
      props.notify(`The gallery could not be loaded: ${(e as Error).message}`);
      setCursor(null);
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    setItems([]);
    setCursor(undefined);
    more(true);
  }, [backbone, style]);

  useEffect(() => {
    const el = sentinel.current;
    if (!el || done) return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) more();
    });
    io.observe(el);
    return () => io.disconnect();
  }, [cursor, loading, backbone, style]);

  return (
    <div class="gallery">
      {style && (
        <p class="filter" role="status">
          Showing the entries made with one painting.{" "}
          <button
            type="button"
            onClick={() => {
              const u = new URL(location.href);
              u.searchParams.delete("style");
              history.replaceState(null, "", u);
              setStyle("");
            }}
          >
            Show all
          </button>
        </p>
      )}
      <label>
        Backbone
        <select
          aria-label="Filter by backbone"
          value={backbone}
          disabled={!!style}
          onChange={(e) => setBackbone(e.currentTarget.value)}
        >
          <option value="">All</option>
          {props.models.map((m) => <option key={m.id} value={m.id}>{m.name}</option>)}
        </select>
      </label>
      <ul class="grid" data-testid="gallery-grid">
        {items.map((it) => (
          <li key={it.id} data-id={it.id}>
            <a href={`/g/${encodeURIComponent(it.id)}`}>
              <img
                src={`/api/gallery/${encodeURIComponent(it.id)}/thumb`}
                alt={it.title}
                loading="lazy"
              />
              <span class="title">{it.title}</span>
            </a>
            <span class="hint">{backboneOf(it)}</span>
            <a class="remix" href={`/?remix=${encodeURIComponent(it.id)}`}>Remix</a>
          </li>
        ))}
      </ul>
      {!loading && items.length === 0 && done && (
        <p>No entries yet: share a result from the studio.</p>
      )}
      <div ref={sentinel} class="sentinel">
        {!done && (
          <button type="button" disabled={loading} onClick={() => more()}>
            {loading ? "Loading…" : "Load more"}
          </button>
        )}
      </div>
    </div>
  );
}
