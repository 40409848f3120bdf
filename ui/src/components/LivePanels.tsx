import type { BookingLive } from "../generated/BookingLive";
import type { ChatLine } from "../generated/ChatLine";
import { relativeTime } from "../store";

const STATUS: Record<string, string> = {
  pending: "Pending",
  confirmed: "Confirmed",
  rejected: "Declined",
  cancelled: "Cancelled",
  in_progress: "In progress",
  completed: "Completed",
};

export function LivePanels({ view, bookings, chats }: { view: "bookings" | "chats"; bookings: BookingLive[]; chats: ChatLine[] }) {
  const now = Date.now();
  if (view === "bookings") {
    if (bookings.length === 0) return <div className="empty"><p>No booking changes since the app started.</p></div>;
    return (
      <ul className="live" aria-label="Bookings">
        {bookings.map((b) => (
          <li key={b.bookingId}>
            <span className={`pill status-${b.status}`}>{STATUS[b.status] ?? b.status}</span>
            <span className="live-main">{b.bookingId}</span>
            <span className="live-sub">
              was {STATUS[b.previousStatus] ?? b.previousStatus}, by {b.changedBy} · {relativeTime(b.at, now)}
            </span>
          </li>
        ))}
      </ul>
    );
  }
  if (chats.length === 0) return <div className="empty"><p>No messages since the app started.</p></div>;
  return (
    <ul className="live" aria-label="Chats">
      {chats.map((c) => (
        <li key={c.messageId}>
          <span className="live-main">{c.fromUserId}</span>
          <span className="live-sub">
            {c.chatId} · {relativeTime(c.at, now)}
          </span>
          <span className="live-text">{c.message}</span>
        </li>
      ))}
    </ul>
  );
}
