// The bell's styles, injected once into <head>: no CSS loader is needed in
// the host app. Class names start with `urb-`; colours are custom
// properties, so a site can restyle through them.
export const STYLES = `
.urb-bell {
  --urb-bg: #ffffff; --urb-fg: #1d2430; --urb-muted: #5b6575; --urb-border: #d9dee7;
  --urb-accent: #0b63ce; --urb-unread: #eef5ff; --urb-badge: #d93025; --urb-badge-fg: #ffffff;
  --urb-shadow: 0 12px 32px rgba(16, 24, 40, 0.18);
  position: relative; display: inline-block; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--urb-fg);
}
.urb-bell[data-theme="dark"] {
  --urb-bg: #1c2128; --urb-fg: #e6edf3; --urb-muted: #9aa5b1; --urb-border: #373e47;
  --urb-accent: #58a6ff; --urb-unread: #1f2d3d; --urb-badge: #f85149; --urb-shadow: 0 12px 32px rgba(0, 0, 0, 0.5);
}
@media (prefers-color-scheme: dark) {
  .urb-bell[data-theme="auto"] {
    --urb-bg: #1c2128; --urb-fg: #e6edf3; --urb-muted: #9aa5b1; --urb-border: #373e47;
    --urb-accent: #58a6ff; --urb-unread: #1f2d3d; --urb-badge: #f85149; --urb-shadow: 0 12px 32px rgba(0, 0, 0, 0.5);
  }
}
.urb-bell button { font: inherit; color: inherit; cursor: pointer; }
.urb-bell button:focus-visible { outline: 2px solid var(--urb-accent); outline-offset: 2px; }
.urb-bell__panel:focus { outline: none; }
.urb-item__open:focus-visible { outline-offset: -2px; }
.urb-bell__button {
  position: relative; display: grid; place-items: center; width: 40px; height: 40px;
  border: 1px solid transparent; border-radius: 50%; background: transparent; color: inherit;
}
.urb-bell__button:hover { background: color-mix(in srgb, var(--urb-fg) 8%, transparent); }
.urb-bell__badge {
  position: absolute; top: 2px; right: 0; min-width: 18px; height: 18px; padding: 0 5px; box-sizing: border-box;
  border-radius: 9px; background: var(--urb-badge); color: var(--urb-badge-fg);
  font-size: 11px; font-weight: 700; line-height: 18px; text-align: center;
}
.urb-bell__panel {
  position: absolute; right: 0; top: calc(100% + 6px); z-index: 1000; width: min(380px, 92vw);
  max-height: min(520px, 80vh); overflow: auto; background: var(--urb-bg); color: var(--urb-fg);
  border: 1px solid var(--urb-border); border-radius: 10px; box-shadow: var(--urb-shadow);
}
.urb-bell__header {
  position: sticky; top: 0; display: flex; align-items: center; justify-content: space-between; gap: 8px;
  padding: 10px 12px; background: var(--urb-bg); border-bottom: 1px solid var(--urb-border);
}
.urb-bell__header h2 { margin: 0; font-size: 15px; font-weight: 600; }
.urb-bell__actions { display: flex; gap: 4px; }
.urb-bell__actions button, .urb-bell__more, .urb-bell__empty button {
  border: 0; background: transparent; color: var(--urb-accent); padding: 4px 6px; border-radius: 6px;
}
.urb-bell__actions button:disabled { color: var(--urb-muted); cursor: default; opacity: 0.6; }
.urb-bell__note { margin: 0; padding: 6px 12px; font-size: 12px; color: var(--urb-muted); }
.urb-bell__note--error { color: var(--urb-badge); }
.urb-bell__empty { margin: 0; padding: 28px 12px; text-align: center; color: var(--urb-muted); }
.urb-bell__list { list-style: none; margin: 0; padding: 0; }
.urb-item { display: flex; align-items: flex-start; border-bottom: 1px solid var(--urb-border); }
.urb-item:last-child { border-bottom: 0; }
.urb-item--unread { background: var(--urb-unread); }
.urb-item__open {
  flex: 1; display: grid; gap: 2px; padding: 10px 12px; border: 0; background: transparent; text-align: left; min-width: 0;
}
.urb-item__title { font-weight: 600; overflow-wrap: anywhere; }
.urb-item--unread .urb-item__title::before {
  content: ""; display: inline-block; width: 8px; height: 8px; margin-right: 6px; border-radius: 50%;
  background: var(--urb-accent); vertical-align: 1px;
}
.urb-item__body { color: var(--urb-muted); overflow-wrap: anywhere; }
.urb-item__time { font-size: 12px; color: var(--urb-muted); }
.urb-item__read {
  margin: 8px 8px 0 0; width: 28px; height: 28px; border: 1px solid var(--urb-border); border-radius: 50%;
  background: var(--urb-bg); color: var(--urb-accent);
}
.urb-bell__more { display: block; width: 100%; padding: 10px; border-top: 1px solid var(--urb-border); }
.urb-visually-hidden {
  position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0;
}
`;
