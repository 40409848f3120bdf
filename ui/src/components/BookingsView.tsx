import { useState } from "react";
import type { BookingRow } from "../generated/BookingRow";
import type { BookingsView as BookingsState } from "../generated/BookingsView";
import { relativeTime, statusLabel } from "../store";
import { MuteControl } from "./MuteControl";
import { MessageForm } from "./MessageForm";
import { BookingTimeline } from "./BookingTimeline";
import type { BookingChange } from "../generated/BookingChange";

/** The button for each move the server allows. */
const MOVE: Record<string, string> = {
  confirmed: "Confirm",
  rejected: "Decline",
  in_progress: "Start",
  completed: "Complete",
  cancelled: "Cancel",
};

interface Props {
  bookings: BookingsState;
  onMove: (bookingId: string, status: BookingRow["status"]) => void;
  onRetry: () => void;
  /** Mutes by key (`booking:<id>`): until (ms) or `null` until unmuted. */
  muted: Record<string, number | null>;
  onMute: (key: string, until: number | null | undefined) => void;
  /** A booking a link opened the window at. */
  linked?: string | null;
  /** Writes to the booking's other party, in their chat. */
  onMessage: (toUserId: string, chatId: string, text: string) => void;
  /** Opens a booking's page on the website; absent when no website is set. */
  onOpenWeb?: (bookingId: string) => void;
  /** A booking's status changes, oldest first. */
  timeline: (bookingId: string) => Promise<BookingChange[]>;
}

/** Statuses after which nothing more happens: nothing to mute. */
const FINAL = ["rejected", "cancelled", "completed"];

const titleOf = (b: BookingRow) => b.title ?? `Booking ${b.id}`;

/** The user's bookings from the server, each with exactly the moves it allows. */
export function BookingsView({ bookings, onMove, onRetry, muted, onMute, linked, onMessage, onOpenWeb, timeline }: Props) {
  // The row whose message box is open.
  const [writing, setWriting] = useState<string | null>(null);
  const now = Date.now();
  const missing = linked && bookings.rows !== null && !bookings.rows.some((b) => b.id === linked);
  if (bookings.rows === null) {
    return (
      <div className="empty">
        {bookings.error ? (
          <>
            <p>Couldn't load your bookings: {bookings.error}</p>
            <button onClick={onRetry}>Try again</button>
          </>
        ) : (
          <p>Loading your bookings…</p>
        )}
      </div>
    );
  }
  if (bookings.rows.length === 0) {
    return (
      <div className="empty">
        <p>No bookings yet. Requests for your items and your own bookings will show here.</p>
      </div>
    );
  }
  return (
    <>
      {missing && (
        <p className="notice" role="alert">
          Booking {linked} was not found among your bookings.
        </p>
      )}
      {bookings.error && (
        <p className="notice error" role="alert">
          Couldn't refresh your bookings: {bookings.error}
        </p>
      )}
      <ul className="live bookings" aria-label="Bookings">
        {bookings.rows.map((b) => (
          <li
            key={b.id}
            aria-label={`${titleOf(b)}, ${statusLabel(b.status)}`}
            aria-busy={b.busy}
            aria-current={b.id === linked ? "true" : undefined}
            className={b.id === linked ? "linked" : undefined}
            ref={b.id === linked ? (el) => el?.scrollIntoView?.({ block: "nearest" }) : undefined}
          >
            <span className={`pill status-${b.status}`}>{statusLabel(b.status)}</span>
            <span className="live-main">{titleOf(b)}</span>
            <span className="live-sub">
              with {b.otherPartyName}
              {b.changedByName ? ` · ${statusLabel(b.status).toLowerCase()} by ${b.changedByName}` : ""} ·{" "}
              {relativeTime(b.updatedAt, now)}
            </span>
            {b.outcome && (
              <span className="live-text outcome" role="status">
                {b.outcome}
              </span>
            )}
            <span className="booking-actions">
                {b.actions.map((status) => (
                  <button
                    key={status}
                    className={status === "confirmed" ? "primary" : ""}
                    disabled={b.busy}
                    aria-label={`${MOVE[status] ?? status} ${titleOf(b)}`}
                    onClick={() => onMove(b.id, status)}
                  >
                    {MOVE[status] ?? status}
                  </button>
                ))}
              <button
                aria-expanded={writing === b.id}
                aria-label={`Message ${b.otherPartyName} about ${titleOf(b)}`}
                onClick={() => setWriting(writing === b.id ? null : b.id)}
              >
                Message
              </button>
              {onOpenWeb && (
                <button aria-label={`Open ${titleOf(b)} in the browser`} onClick={() => onOpenWeb(b.id)}>
                  Open in browser
                </button>
              )}
              {!FINAL.includes(b.status) && (
                <MuteControl
                  label={titleOf(b)}
                  until={muted[`booking:${b.id}`]}
                  onChange={(until) => onMute(`booking:${b.id}`, until)}
                />
              )}
            </span>
            {writing === b.id && (
              <MessageForm
                label={`Message to ${b.otherPartyName}`}
                placeholder={`Message ${b.otherPartyName}…`}
                autoFocus
                onSend={(text) => {
                  onMessage(b.otherPartyId, b.chatId, text);
                  setWriting(null);
                }}
              />
            )}
            <BookingTimeline load={() => timeline(b.id)} />
          </li>
        ))}
      </ul>
    </>
  );
}

