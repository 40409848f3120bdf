import type { UpdateView } from "../generated/UpdateView";

interface Props {
  update: UpdateView;
  onInstall: () => void;
}

/** "Update available — 0.3.0" with its button; a refused update says why. */
export function UpdateBanner({ update, onInstall }: Props) {
  if (!update.available && !update.error) return null;
  return (
    <p className={update.error ? "notice error" : "notice update"} role={update.error ? "alert" : "status"}>
      {update.error ? `${update.error} Still running ${update.current}.` : `Update available — ${update.available}`}{" "}
      {update.available && (
        <button onClick={onInstall} disabled={update.installing}>
          {update.installing ? "Installing…" : update.error ? "Try again" : "Install and restart"}
        </button>
      )}
    </p>
  );
}
