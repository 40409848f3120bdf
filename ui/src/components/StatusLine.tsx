import { useEffect, useState } from "react";
import type { ConnectionView } from "../generated/ConnectionView";
import { statusText } from "../store";

export function StatusLine({ connection, onRetry }: { connection: ConnectionView; onRetry: () => void }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (connection.state !== "offline") return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [connection.state]);
  return (
    <div className={`status status-${connection.state}`} role="status" aria-live="polite">
      <span className="dot" aria-hidden="true" />
      <span>{statusText(connection, now)}</span>
      {connection.state === "offline" && (
        <button className="link" onClick={onRetry}>
          Retry now
        </button>
      )}
    </div>
  );
}
