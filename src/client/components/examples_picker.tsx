/**
 * The first visit's one-click inputs: example photos and paintings as thumbnail buttons, with
 * their credits. A photo click sets the content image; a painting click makes it the only
 * style image (several paintings stay possible through the file picker).
 */
import { useEffect, useState } from "preact/hooks";
import type { InputImage } from "../state/images.ts";
import { type Example, listExamples, loadExample } from "../state/examples.ts";
import type { StyleInput } from "../state/run.ts";

export interface ExamplesPickerProps {
  content?: InputImage;
  styles: StyleInput[];
  onContent: (image: InputImage) => void;
  onStyles: (styles: StyleInput[]) => void;
  notify: (message: string) => void;
  disabled?: boolean;
}

/** Example inputs are named `<id>.webp` by loadExample(); that is how a choice is recognised. */
function chosen(ex: Example, image?: InputImage): boolean {
  return image?.name === `${ex.id}.webp`;
}

function Row(
  props: {
    title: string;
    items: Example[];
    isOn: (e: Example) => boolean;
    pick: (e: Example) => void;
    disabled?: boolean;
  },
) {
  return (
    <div class="example-row">
      <h3>{props.title}</h3>
      <ul>
        {props.items.map((ex) => (
          <li key={ex.id}>
            <button
              type="button"
              class="example"
              aria-pressed={props.isOn(ex)}
              disabled={props.disabled}
              onClick={() => props.pick(ex)}
              title={`${ex.title}. ${ex.credit} (${ex.licence})`}
              data-example={ex.id}
            >
              <img src={ex.thumb} alt="" width={80} height={80} />
              <span>{ex.title}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function ExamplesPicker(props: ExamplesPickerProps) {
  const [examples, setExamples] = useState<Example[]>([]);
  useEffect(() => {
    listExamples().then((m) => setExamples(m.examples));
  }, []);
  if (!examples.length) return null;
  const load = (ex: Example, then: (img: InputImage) => void) =>
    loadExample(ex).then(then).catch((e) => props.notify((e as Error).message));
  return (
    <section class="examples" aria-labelledby="examples-title">
      <h2 id="examples-title">Try an example</h2>
      <Row
        title="Photos"
        items={examples.filter((e) => e.kind === "content")}
        isOn={(e) => chosen(e, props.content)}
        pick={(e) => load(e, props.onContent)}
        disabled={props.disabled}
      />
      <Row
        title="Paintings"
        items={examples.filter((e) => e.kind === "style")}
        isOn={(e) => props.styles.length === 1 && chosen(e, props.styles[0].image)}
        pick={(e) => load(e, (image) => props.onStyles([{ image, weight: 1 }]))}
        disabled={props.disabled}
      />
      <details class="credits">
        <summary>Image credits</summary>
        <ul>
          {examples.map((e) => <li key={e.id}>{e.title}: {e.credit}, {e.licence}</li>)}
        </ul>
      </details>
    </section>
  );
}
