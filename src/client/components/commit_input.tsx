/**
 * A text or number field that takes its value on "change" (Enter, or leaving the field) and
 * shows what the user is typing until then.
 *
 * A controlled input with only an onChange handler shows the state's value at every render, so
 * a render between a keystroke and the commit (the engine starting, a model's download
 * progress, a progress event) put the old value back under the user's fingers, and the commit
 * then took the old value. Right after a page load that happened to one typed value in five
 * (tests/e2e/fields_test.ts). Here the typed text is a draft that renders keep showing.
 */
import type { InputHTMLAttributes } from "preact";
import { useState } from "preact/hooks";

export type CommitInputProps =
  & Omit<InputHTMLAttributes<HTMLInputElement>, "value" | "onChange" | "onInput" | "onBlur">
  & {
    /** The committed value, shown whenever the user is not typing. */
    value: string | number;
    /**
     * Takes the typed text; returns false to refuse it, and the field then shows `value`
     * again.
     */
    onCommit: (text: string) => boolean | void;
  };

export function CommitInput(props: CommitInputProps) {
  const { value, onCommit, ...rest } = props;
  const [draft, setDraft] = useState<string>();
  return (
    <input
      {...rest}
      value={draft ?? String(value)}
      onInput={(e) => setDraft(e.currentTarget.value)}
      onChange={(e) => {
        const field = e.currentTarget;
        setDraft(undefined);
        if (onCommit(field.value) === false) field.value = String(value);
      }}
      onBlur={() => setDraft(undefined)}
    />
  );
}

/** `text` as a number in [min, max], or undefined (empty text is not 0, nor is "abc"). */
export function numberIn(text: string, min: number, max: number): number | undefined {
  if (text.trim() === "") return undefined;
  const v = Number(text);
  return v >= min && v <= max ? v : undefined;
}

/** `text` rounded to an integer in [min, max], or undefined (empty text is not 0). */
export function intIn(text: string, min: number, max: number): number | undefined {
  const v = numberIn(text, -Infinity, Infinity);
  if (v === undefined) return undefined;
  const n = Math.round(v);
  return n >= min && n <= max ? n : undefined;
}
