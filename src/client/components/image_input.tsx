/**
 * An image drop zone: file picker, drag and drop, and paste while focused. Reports files; the
 * caller validates them (state/images.ts).
 */
import type { ComponentChildren } from "preact";

export interface ImageInputProps {
  id: string;
  label: string;
  multiple?: boolean;
  onFiles: (files: File[]) => void;
  children?: ComponentChildren;
}

function filesOf(list: FileList | DataTransferItemList | null | undefined): File[] {
  if (!list) return [];
  const out: File[] = [];
  for (const item of Array.from(list as ArrayLike<File | DataTransferItem>)) {
    const f = item instanceof File ? item : item.kind === "file" ? item.getAsFile() : null;
    if (f) out.push(f);
  }
  return out;
}

export function ImageInput(props: ImageInputProps) {
  return (
    <div
      class="drop"
      tabIndex={0}
      aria-label={`${props.label}: drop or paste an image here`}
      onDragOver={(e) => {
        e.preventDefault();
        (e.currentTarget as HTMLElement).classList.add("over");
      }}
      onDragLeave={(e) => (e.currentTarget as HTMLElement).classList.remove("over")}
      onDrop={(e) => {
        e.preventDefault();
        (e.currentTarget as HTMLElement).classList.remove("over");
        const files = filesOf(e.dataTransfer?.files);
        if (files.length) props.onFiles(props.multiple ? files : files.slice(0, 1));
      }}
      onPaste={(e) => {
        const files = filesOf(e.clipboardData?.items);
        if (files.length) {
          e.preventDefault();
          e.stopPropagation();
          props.onFiles(props.multiple ? files : files.slice(0, 1));
        }
      }}
    >
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        type="file"
        accept="image/*"
        multiple={props.multiple}
        onChange={(e) => {
          const input = e.currentTarget as HTMLInputElement;
          const files = filesOf(input.files);
          input.value = "";
          if (files.length) props.onFiles(files);
        }}
      />
      <p class="hint">or drop / paste an image</p>
      {props.children}
    </div>
  );
}
