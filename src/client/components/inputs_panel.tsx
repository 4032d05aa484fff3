/** Content and style inputs: one content image, several weighted style images. */
import type { InputImage } from "../state/images.ts";
import type { StyleInput } from "../state/run.ts";
import { ImageInput } from "./image_input.tsx";
import { StyleList } from "./style_list.tsx";

export function InputsPanel(props: {
  content?: InputImage;
  styles: StyleInput[];
  onContent: (files: File[]) => void;
  onStyles: (files: File[]) => void;
  onStylesChange: (styles: StyleInput[]) => void;
}) {
  return (
    <section class="inputs" aria-label="Input images">
      <ImageInput id="content-file" label="Content image" onFiles={props.onContent}>
        {props.content && (
          <img
            class="thumb"
            src={props.content.url}
            alt={`Content: ${props.content.name} (${props.content.width}x${props.content.height})`}
          />
        )}
      </ImageInput>
      <ImageInput id="style-file" label="Style images" multiple onFiles={props.onStyles}>
        <StyleList styles={props.styles} onChange={props.onStylesChange} />
      </ImageInput>
    </section>
  );
}
