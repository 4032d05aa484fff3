/** The style images with their blend weights (normalised to sum 1 by the engine). */
import type { InputImage } from "../state/images.ts";

export interface StyleEntry {
  image: InputImage;
  weight: number;
}

export function StyleList(props: {
  styles: StyleEntry[];
  onChange: (styles: StyleEntry[]) => void;
}) {
  const { styles } = props;
  const total = styles.reduce((n, s) => n + s.weight, 0) || 1;
  return (
    <ul class="styles">
      {styles.map((s, i) => (
        <li key={s.image.url}>
          <img src={s.image.url} alt={`Style ${i + 1}: ${s.image.name}`} />
          <label>
            Weight of {s.image.name}
            <input
              type="number"
              min={0}
              max={100}
              step={0.1}
              value={s.weight}
              onInput={(e) => {
                const w = Number((e.currentTarget as HTMLInputElement).value);
                if (!(w >= 0)) return;
                props.onChange(styles.map((t, j) => (j === i ? { ...t, weight: w } : t)));
              }}
            />
          </label>
          <span class="share">{Math.round((s.weight / total) * 100)}%</span>
          <button
            type="button"
            aria-label={`Remove style ${s.image.name}`}
            onClick={() => props.onChange(styles.filter((_, j) => j !== i))}
          >
            Remove
          </button>
        </li>
      ))}
    </ul>
  );
}
