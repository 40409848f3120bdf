import { useState } from "react";
import type { BookingChange } from "../generated/BookingChange";
import { statusLabel } from "../store";

interface Props {
  /** Loads the booking's changes, oldest first. */
  load: () => Promise<BookingChange[]>;
}

function when(ms: number): string {
  return new Date(ms).toLocaleString([], { weekday: "short", hour: "2-digit", minute: "2-digit" });
}

/** A booking's status changes (who, when), loaded when first opened. */
export function BookingTimeline({ load }: Props) {
  const [changes, setChanges] = useState<BookingChange[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const open = () => {
    if (changes !== null) return;
    setError(null);
    load().then(setChanges, (e) => setError(String(e)));
  };
  return (
    <details className="timeline" onToggle={(e) => (e.currentTarget as HTMLDetailsElement).open && open()}>
      <summary>History</summary>
      {error ? (
        <p className="notice error" role="alert">
          Couldn't load the history: {error}
        </p>
      ) : changes === null ? (
        <p className="live-sub">Loading…</p>
      ) : changes.length === 0 ? (
        <p className="live-sub">No changes yet.</p>
      ) : (
        <ol aria-label="Status changes">
          {changes.map((c, n) => (
            <li key={n}>
              <span>{statusLabel(c.status)}</span>
              {c.by && <span className="live-sub"> by {c.by}</span>}
              <time className="live-sub" dateTime={new Date(c.at).toISOString()}>
                {" "}
                · {when(c.at)}
              </time>
            </li>
          ))}
        </ol>
      )}
    </details>
  );
}
