/** Visible error and notice messages: errors are role="alert", dismissable, optionally actionable. */

export interface Notice {
  id: number;
  kind: "error" | "info";
  message: string;
  action?: { label: string; run: () => void };
}

export function Alerts(props: { notices: Notice[]; onDismiss: (id: number) => void }) {
  return (
    <div class="alerts">
      {props.notices.map((n) => (
        <div key={n.id} class={`notice ${n.kind}`} role={n.kind === "error" ? "alert" : "status"}>
          <span class="notice-text">{n.message}</span>
          {n.action && (
            <button
              type="button"
              onClick={() => {
                n.action!.run();
                props.onDismiss(n.id);
              }}
            >
              {n.action.label}
            </button>
          )}
          <button
            type="button"
            aria-label="Dismiss"
            onClick={() =>
              props.onDismiss(n.id)}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
