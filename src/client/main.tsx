/**
 * Atelier studio: the browser face. Owns the engine worker, the installed models and presets,
 * the persisted settings and the notices, and switches between the studio, compare, gallery,
 * feature visualisation ("see") and experiment reports views. URL parameters:
 * ?view=studio|compare|gallery|see|reports|bench, ?remix=<id>, ?backend=webgpu|webgl|wasm|cpu.
 */
import { render } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import type { ModelSummary, Preset } from "../shared/types.ts";
import { Alerts, type Notice } from "./components/alerts.tsx";
import { BenchView } from "./components/bench_view.tsx";
import { CompareView } from "./components/compare_view.tsx";
import { GalleryView } from "./components/gallery_view.tsx";
import { ReportsView } from "./components/reports_view.tsx";
import { SeeView } from "./components/see_view.tsx";
import { StudioView } from "./components/studio_view.tsx";
import { type BackendInfo, type BackendName, BACKENDS } from "./protocol.ts";
import { DEFAULT_NET } from "../shared/presets.ts";
import { getPresets, listModels } from "./state/api.ts";
import { Engine } from "./state/engine.ts";
import { useInputs } from "./state/inputs.ts";
import { loadRemix } from "./state/remix.ts";
import {
  applyPreset,
  fromRecipe,
  loadSettings,
  saveSettings,
  type Settings,
} from "./state/settings.ts";

const VIEWS = ["studio", "compare", "gallery", "see", "reports", "bench"] as const;
type View = (typeof VIEWS)[number];
const VIEW_NAMES: Record<View, string> = {
  studio: "Studio",
  compare: "Compare",
  gallery: "Gallery",
  see: "What does this network see?",
  reports: "Reports",
  bench: "Benchmark",
};

const params = new URLSearchParams(location.search);
const forcedBackend = (BACKENDS as readonly string[]).includes(params.get("backend") ?? "")
  ? params.get("backend") as BackendName
  : undefined;
const engine = new Engine(forcedBackend);
let nextId = 1;

function App() {
  const [view, setViewState] = useState<View>(
    (VIEWS as readonly string[]).includes(params.get("view") ?? "")
      ? params.get("view") as View
      : "studio",
  );
  const [backend, setBackend] = useState<BackendInfo>();
  const [models, setModels] = useState<ModelSummary[]>([]);
  const [presets, setPresets] = useState<Preset[]>([]);
  const [settings, setSettingsState] = useState<Settings>(loadSettings);
  const [notices, setNotices] = useState<Notice[]>([]);
  // On narrow screens the views collapse behind a menu button (style.css hides .menu-toggle
  // on wide ones).
  const [menuOpen, setMenuOpen] = useState(false);

  const setSettings = useCallback((s: Settings) => {
    setSettingsState(s);
    saveSettings(s);
  }, []);
  const notify = useCallback(
    (message: string, kind: Notice["kind"] = "error", action?: Notice["action"]) => {
      setNotices((n) => [
        ...n.filter((x) => x.message !== message),
        { id: nextId++, kind, message, action },
      ]);
    },
    [],
  );
  const inputs = useInputs(notify);

  const setView = (v: View) => {
    const u = new URL(location.href);
    u.searchParams.set("view", v);
    u.searchParams.delete("remix");
    history.replaceState(null, "", u);
    setViewState(v);
    setMenuOpen(false);
  };

  useEffect(() =>
    engine.on((m) => {
      if (m.type === "backend") setBackend(m.info);
      else if (m.type === "error" && (m.phase === "init" || (m.deviceLost && m.phase === "run"))) {
        notify(m.message);
      } else if (m.type === "tooLarge") {
        notify(
          `${m.size} px is too large here: ${m.reason}. ` +
            (m.maxSize
              ? `The largest size that fits is ${m.maxSize} px.`
              : "No size fits this backend."),
          "error",
          m.maxSize
            ? {
              label: `Use ${m.maxSize} px`,
              run: () =>
                setSettingsState((s) => {
                  const next = { ...s, size: m.maxSize };
                  saveSettings(next);
                  return next;
                }),
            }
            : undefined,
        );
      }
    }), []);

  useEffect(() => {
    listModels().then((list) => {
      setModels(list);
      setSettingsState((s) => {
        if (list.some((m) => m.id === s.modelId) && s.compareModels.length) return s;
        const next = {
          ...s,
          modelId: list.some((m) => m.id === s.modelId)
            ? s.modelId
            : (list.find((m) => m.id === DEFAULT_NET) ?? list[0])?.id ?? "",
          compareModels: s.compareModels.length
            ? s.compareModels
            : list.slice(0, 3).map((m) => m.id),
        };
        saveSettings(next);
        return next;
      });
      if (!list.length) notify("The server has no models installed: run `deno task fetch-models`");
    }).catch((e) => notify(e.message));
    getPresets().then((p) => setPresets(p.presets)).catch((e) => notify(e.message));
    const remix = params.get("remix");
    if (remix) {
      loadRemix(remix, inputs).then((r) => {
        setSettingsState((s) => {
          const next = fromRecipe({ ...s, presetId: "" }, r.recipe);
          saveSettings(next);
          return next;
        });
        notify(r.message, "info");
      }).catch((e) => notify(`The remix could not be loaded: ${e.message}`));
    }
  }, []);

  return (
    <>
      <header>
        <h1>Atelier</h1>
        <button
          type="button"
          class="menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="views-nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          <span aria-hidden="true">☰</span> Menu
        </button>
        <nav id="views-nav" aria-label="Views" class={menuOpen ? "open" : undefined}>
          {VIEWS.map((v) => (
            <button
              key={v}
              type="button"
              aria-pressed={view === v}
              onClick={() => setView(v)}
            >
              {VIEW_NAMES[v]}
            </button>
          ))}
        </nav>
        <p class="backend" data-testid="backend" data-backend={backend?.name ?? ""}>
          {backend
            ? (
              <>
                Backend: <strong>{backend.name}</strong> · {backend.note}
                {backend.failed.length > 0 &&
                  ` (fell back: ${backend.failed.map((f) => `${f.name}: ${f.reason}`).join("; ")})`}
              </>
            )
            : "Starting the engine…"}
        </p>
      </header>
      <Alerts
        notices={notices}
        onDismiss={(id) => setNotices((n) => n.filter((x) => x.id !== id))}
      />
      <main>
        {view === "studio" && (
          <StudioView
            engine={engine}
            backend={backend}
            models={models}
            presets={presets}
            settings={settings}
            setSettings={setSettings}
            onPreset={(p) => setSettings(applyPreset(settings, p, models.map((m) => m.id)))}
            inputs={inputs}
            notify={notify}
          />
        )}
        {view === "compare" && (
          <CompareView
            engine={engine}
            backend={backend}
            models={models}
            settings={settings}
            setSettings={setSettings}
            inputs={inputs}
          />
        )}
        {view === "gallery" && <GalleryView models={models} notify={notify} />}
        {view === "see" && <SeeView engine={engine} backend={backend} models={models} />}
        {view === "reports" && <ReportsView notify={notify} />}
        {view === "bench" && <BenchView models={models} />}
      </main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
