const HOUR = 3_600_000;

interface Props {
  /** Whom it is about, for the labels ("Canon EOS R6", "chat with Jean"). */
  label: string;
  /** Muted until (Unix ms), `null` until unmuted, `undefined` when not muted. */
  until: number | null | undefined;
  /** New mute: until (ms), `null` until unmuted, `undefined` to unmute. */
  onChange: (until: number | null | undefined) => void;
}

/** Mute one booking or chat for a while: no popups or sounds, history and badge still count. */
export function MuteControl({ label, until, onChange }: Props) {
  const now = Date.now();
  const muted = until === null || (until !== undefined && until > now);
  if (muted) {
    const when = until === null ? "until you unmute" : `until ${new Date(until).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}`;
    return (
      <span className="mute">
        <span className="live-sub">Muted {when}</span>
        <button onClick={() => onChange(undefined)} aria-label={`Unmute ${label}`}>
          Unmute
        </button>
      </span>
    );
  }
  return (
    <select
      className="mute"
      aria-label={`Mute ${label}`}
      value=""
      onChange={(e) => {
        const choice = e.target.value;
        if (choice === "forever") onChange(null);
        else if (choice !== "") onChange(Date.now() + Number(choice) * HOUR);
      }}
    >
      <option value="">Mute…</option>
      <option value="1">For 1 hour</option>
      <option value="8">For 8 hours</option>
      <option value="forever">Until I unmute</option>
    </select>
  );
}
