import { useState } from "react";
import type { Preferences } from "../generated/Preferences";
import type { KindPreferences } from "../generated/KindPreferences";

const KINDS: { key: "bookingRequests" | "bookingChanges" | "messages" | "system"; label: string }[] = [
  { key: "bookingRequests", label: "Booking requests" },
  { key: "bookingChanges", label: "Booking changes" },
  { key: "messages", label: "Messages" },
  { key: "system", label: "Everything else" },
];
const CHANNELS: { key: keyof KindPreferences; label: string }[] = [
  { key: "popup", label: "Popup" },
  { key: "sound", label: "Sound" },
  { key: "badge", label: "Badge" },
];
const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

interface Props {
  preferences: Preferences;
  onChange: (preferences: Preferences) => void;
  /** The website, for "Open in browser"; `null` when none. */
  webUrl: string | null;
  onWebUrl: (url: string) => void;
  /** Starts hidden in the tray at login; `null` before the first sign-in decides. */
  startAtLogin: boolean | null;
  onStartAtLogin: (on: boolean) => void;
}

/** Notification preferences: per kind, and recurring quiet hours. They apply at once. */
export function SettingsView({ preferences: p, onChange, webUrl, onWebUrl, startAtLogin, onStartAtLogin }: Props) {
  const [site, setSite] = useState(webUrl ?? "");
  const quiet = p.quietHours;
  const setQuiet = (change: Partial<Preferences["quietHours"]>) => onChange({ ...p, quietHours: { ...quiet, ...change } });
  return (
    <div className="settings">
      <table className="kinds">
        <caption>How each kind of notification reaches you</caption>
        <thead>
          <tr>
            <th scope="col">Kind</th>
            {CHANNELS.map((c) => (
              <th key={c.key} scope="col">
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {KINDS.map((k) => (
            <tr key={k.key}>
              <th scope="row">{k.label}</th>
              {CHANNELS.map((c) => (
                <td key={c.key}>
                  <input
                    type="checkbox"
                    aria-label={`${c.label} for ${k.label.toLowerCase()}`}
                    checked={p[k.key][c.key]}
                    onChange={(e) => onChange({ ...p, [k.key]: { ...p[k.key], [c.key]: e.target.checked } })}
                  />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>

      <fieldset className="quiet">
        <legend>
          <label>
            <input type="checkbox" checked={quiet.enabled} onChange={(e) => setQuiet({ enabled: e.target.checked })} /> Quiet
            hours
          </label>
        </legend>
        <p className="hint">No popups or sounds; the badge and history still update, and one summary comes when they end.</p>
        <div className="quiet-times">
          <label>
            From <input type="time" value={quiet.start} disabled={!quiet.enabled} onChange={(e) => setQuiet({ start: e.target.value })} />
          </label>
          <label>
            to <input type="time" value={quiet.end} disabled={!quiet.enabled} onChange={(e) => setQuiet({ end: e.target.value })} />
          </label>
        </div>
        <div className="days" role="group" aria-label="Nights starting on">
          {DAYS.map((day, i) => (
            <label key={day}>
              <input
                type="checkbox"
                disabled={!quiet.enabled}
                checked={quiet.days.includes(i)}
                onChange={(e) =>
                  setQuiet({ days: e.target.checked ? [...quiet.days, i].sort() : quiet.days.filter((d) => d !== i) })
                }
              />
              {day}
            </label>
          ))}
        </div>
        <label>
          <input
            type="checkbox"
            disabled={!quiet.enabled}
            checked={quiet.urgentStaysLoud}
            onChange={(e) => setQuiet({ urgentStaysLoud: e.target.checked })}
          />{" "}
          Booking requests still pop up
        </label>
      </fieldset>
      <label>
        <input type="checkbox" checked={startAtLogin ?? true} onChange={(e) => onStartAtLogin(e.target.checked)} /> Start
        UrutiBiz in the tray when I log in
      </label>
      <form
        className="website"
        onSubmit={(e) => {
          e.preventDefault();
          onWebUrl(site.trim());
        }}
      >
        <label>
          Website address, for "Open in browser"{" "}
          <input type="url" value={site} placeholder="https://urutibiz.com" onChange={(e) => setSite(e.target.value)} />
        </label>
        <button type="submit" disabled={site.trim() === (webUrl ?? "")}>
          Save
        </button>
      </form>
    </div>
  );
}
