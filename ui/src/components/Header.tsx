import type { Settings } from "../generated/Settings";
import { badgeText } from "../store";
import { BellIcon } from "./Icons";

interface Props {
  unread: number;
  settings: Settings;
  hasItems: boolean;
  onMarkAll: () => void;
  onClear: () => void;
  onTheme: () => void;
  onMute: () => void;
  onDnd: (mode: "hour" | "tomorrow" | "off") => void;
  onSignOut: () => void;
  userName: string | null;
}

const THEME_LABEL: Record<string, string> = { system: "Theme: system", light: "Theme: light", dark: "Theme: dark" };

export function Header(p: Props) {
  const badge = badgeText(p.unread);
  const dndOn = p.settings.dndUntil != null && p.settings.dndUntil > Date.now();
  return (
    <header className="header">
      <div className="title">
        <span className="bell" aria-hidden="true">
          <BellIcon />
          {badge && <span className="badge">{badge}</span>}
        </span>
        <h1>Notifications</h1>
        {p.userName && (
          <span className="who" title="Signed in">
            {p.userName}
          </span>
        )}
        <span className="sr-only" data-testid="unread-count">
          {p.unread} unread
        </span>
      </div>
      <div className="actions">
        <button onClick={p.onMarkAll} disabled={p.unread === 0} title="Mark all as read (Ctrl+Shift+A)">
          Mark all read
        </button>
        <button onClick={p.onClear} disabled={!p.hasItems}>
          Clear all
        </button>
        <details className="menu">
          <summary aria-label="Settings">⋯</summary>
          <div className="menu-items">
            <button onClick={p.onTheme}>{THEME_LABEL[p.settings.theme] ?? "Theme"}</button>
            <button onClick={p.onMute}>{p.settings.muted ? "Sounds: off" : "Sounds: on"}</button>
            {dndOn ? (
              <button onClick={() => p.onDnd("off")}>Turn off Do not disturb</button>
            ) : (
              <>
                <button onClick={() => p.onDnd("hour")}>Do not disturb for 1 hour</button>
                <button onClick={() => p.onDnd("tomorrow")}>Do not disturb until 08:00</button>
              </>
            )}
            <button onClick={p.onSignOut}>{p.userName ? `Sign out ${p.userName}` : "Sign out"}</button>
          </div>
        </details>
      </div>
    </header>
  );
}
