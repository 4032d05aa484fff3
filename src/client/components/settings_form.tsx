/** Backbone, preset and the run's main knobs. Every control is labelled. */
import { MAX_SIZE, MIN_SIZE } from "../../shared/recipe_defaults.ts";
import type { ModelSummary, Preset } from "../../shared/types.ts";
import type { Settings } from "../state/settings.ts";
import { CommitInput, intIn, numberIn } from "./commit_input.tsx";

export function formatBytes(n: number): string {
  return n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MB` : `${Math.round(n / 1024)} kB`;
}

export function SettingsForm(props: {
  settings: Settings;
  models: ModelSummary[];
  presets: Preset[];
  onChange: (s: Settings) => void;
  onPreset: (p: Preset) => void;
  disabled?: boolean;
}) {
  const { settings: s, onChange } = props;
  const set = (patch: Partial<Settings>) => onChange({ ...s, ...patch });
  const model = props.models.find((m) => m.id === s.modelId);
  const presets = props.presets.filter((p) =>
    props.models.some((m) => m.architecture === p.architecture)
  );
  return (
    <fieldset class="settings" disabled={props.disabled}>
      <legend>Settings</legend>
      <label>
        Backbone
        <select
          aria-label="Backbone"
          value={s.modelId}
          onChange={(e) =>
            set({
              modelId: (e.currentTarget as HTMLSelectElement).value,
              contentLayers: undefined,
              styleLayers: undefined,
              weights: undefined,
              pooling: undefined,
            })}
        >
          {props.models.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name} ({formatBytes(m.bytes)} download)
            </option>
          ))}
        </select>
      </label>
      {model && <p class="hint">{model.architecture}, {model.dtype} weights</p>}
      {presets.length > 0 && (
        <label>
          Preset
          <select
            aria-label="Preset"
            value={s.presetId}
            onChange={(e) => {
              const p = presets.find((p) => p.id === (e.currentTarget as HTMLSelectElement).value);
              if (p) props.onPreset(p);
              else set({ presetId: "" });
            }}
          >
            <option value="">(none)</option>
            {presets.map((p) => (
              <option key={p.id} value={p.id} title={p.description}>{p.name}</option>
            ))}
          </select>
        </label>
      )}
      <label>
        Output size (px, long side)
        <CommitInput
          type="number"
          min={MIN_SIZE}
          max={MAX_SIZE}
          step={16}
          value={s.size}
          onCommit={(t) => {
            const v = intIn(t, MIN_SIZE, MAX_SIZE);
            if (v === undefined) return false;
            set({ size: v });
          }}
        />
      </label>
      <label>
        Iterations
        <CommitInput
          type="number"
          min={1}
          max={10000}
          value={s.iterations}
          onCommit={(t) => {
            const v = intIn(t, 1, 10000);
            if (v === undefined) return false;
            set({ iterations: v });
          }}
        />
      </label>
      <label>
        Optimiser
        <select
          aria-label="Optimiser"
          value={s.optimizer}
          onChange={(e) =>
            set({
              optimizer: (e.currentTarget as HTMLSelectElement).value as Settings["optimizer"],
            })}
        >
          <option value="lbfgs">L-BFGS</option>
          <option value="adam">Adam</option>
        </select>
      </label>
      {s.optimizer === "adam" && (
        <label>
          Learning rate
          <CommitInput
            type="number"
            min={0.001}
            max={10}
            step={0.005}
            value={s.learningRate}
            onCommit={(t) => {
              // Any step above 0 (RecipeSchema: positive, at most 10).
              const v = numberIn(t, Number.MIN_VALUE, 10);
              if (v === undefined) return false;
              set({ learningRate: v });
            }}
          />
        </label>
      )}
      <label>
        Start from
        <select
          aria-label="Start from"
          value={s.init}
          onChange={(e) =>
            set({ init: (e.currentTarget as HTMLSelectElement).value as Settings["init"] })}
        >
          <option value="content">the content image</option>
          <option value="noise">noise</option>
        </select>
      </label>
      <label>
        Seed
        <CommitInput
          type="number"
          min={0}
          max={2 ** 31 - 1}
          value={s.seed}
          onCommit={(t) => {
            const v = intIn(t, 0, 2 ** 31 - 1);
            if (v === undefined) return false;
            set({ seed: v });
          }}
        />
      </label>
    </fieldset>
  );
}
