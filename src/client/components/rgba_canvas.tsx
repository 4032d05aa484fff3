/** A canvas showing RGBA pixels (a preview or a result). */
import { useEffect, useRef } from "preact/hooks";
import type { RawImage } from "../protocol.ts";

export function RgbaCanvas(props: {
  image?: RawImage;
  label: string;
  testId?: string;
  canvasRef?: (c: HTMLCanvasElement | null) => void;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    const img = props.image;
    if (!c || !img) return;
    c.width = img.width;
    c.height = img.height;
    c.getContext("2d")!.putImageData(
      new ImageData(new Uint8ClampedArray(img.rgba), img.width, img.height),
      0,
      0,
    );
  }, [props.image]);
  return (
    <canvas
      ref={(c) => {
        ref.current = c;
        props.canvasRef?.(c);
      }}
      class="rgba"
      role="img"
      aria-label={props.label}
      data-testid={props.testId}
      width={props.image?.width ?? 1}
      height={props.image?.height ?? 1}
    />
  );
}
