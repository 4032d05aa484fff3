/**
 * The input images as a hook: validated on arrival, kept in IndexedDB so a reload keeps them,
 * shared by the studio and compare views.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { idbGet, idbSet } from "./idb.ts";
import { type InputImage, readImage } from "./images.ts";
import type { StyleInput } from "./run.ts";

export interface Inputs {
  content?: InputImage;
  styles: StyleInput[];
  addContent: (files: File[]) => void;
  /** Sets an already decoded content image (an example). */
  setContent: (image: InputImage) => void;
  addStyles: (files: File[]) => void;
  setStyles: (styles: StyleInput[]) => void;
  /** Replaces both (a remix); the stored inputs of the last visit no longer come back. */
  replace: (content: InputImage | undefined, styles: StyleInput[]) => void;
}

interface Stored {
  content?: { name: string; blob: Blob };
  styles: { name: string; blob: Blob; weight: number }[];
}

const MAX_STYLES = 8;

function named(blob: Blob, name: string): File {
  return new File([blob], name, { type: blob.type });
}

export function useInputs(notify: (message: string) => void): Inputs {
  const [content, setContent] = useState<InputImage>();
  const [styles, setStylesState] = useState<StyleInput[]>([]);
  const [restored, setRestored] = useState(false);
  // Set once the inputs change on this visit: a slower IndexedDB read must not undo that.
  const changed = useRef(false);

  useEffect(() => {
    idbGet<Stored>("inputs").then(async (s) => {
      if (changed.current) return;
      if (s?.content) setContent(await readImage(named(s.content.blob, s.content.name)));
      if (s?.styles.length) {
        setStylesState(
          await Promise.all(s.styles.map(async (t) => ({
            image: await readImage(named(t.blob, t.name)),
            weight: t.weight,
          }))),
        );
      }
    }).catch(() => undefined).finally(() => setRestored(true));
  }, []);

  useEffect(() => {
    if (!restored) return;
    idbSet(
      "inputs",
      {
        content: content && { name: content.name, blob: content.blob },
        styles: styles.map((s) => ({ name: s.image.name, blob: s.image.blob, weight: s.weight })),
      } satisfies Stored,
    );
  }, [content, styles, restored]);

  const read = async (files: File[]) => {
    const ok: InputImage[] = [];
    for (const f of files) {
      try {
        ok.push(await readImage(f));
      } catch (e) {
        notify((e as Error).message);
      }
    }
    return ok;
  };

  const addContent = async (files: File[]) => {
    const [img] = await read(files.slice(0, 1));
    if (img) {
      changed.current = true;
      setContent(img);
    }
  };

  useEffect(() => {
    // A paste that no drop zone handled sets the content image.
    const onPaste = (e: ClipboardEvent) => {
      const files = Array.from(e.clipboardData?.files ?? []);
      if (files.length && !e.defaultPrevented) addContent(files);
    };
    addEventListener("paste", onPaste);
    return () => removeEventListener("paste", onPaste);
  }, []);

  return {
    content,
    styles,
    addContent,
    setContent,
    addStyles: async (files) => {
      const imgs = await read(files);
      changed.current = true;
      setStylesState((cur) => {
        const next = [...cur, ...imgs.map((image) => ({ image, weight: 1 }))];
        if (next.length > MAX_STYLES) {
          notify(`At most ${MAX_STYLES} style images: extra ones were ignored`);
        }
        return next.slice(0, MAX_STYLES);
      });
    },
    setStyles: (next) => {
      changed.current = true;
      setStylesState(next);
    },
    replace: (nextContent, nextStyles) => {
      changed.current = true;
      setContent(nextContent);
      setStylesState(nextStyles.slice(0, MAX_STYLES));
    },
  };
}
