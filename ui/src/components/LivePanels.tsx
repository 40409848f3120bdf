import type { BookingLive } from "../generated/BookingLive";
import type { ChatLine } from "../generated/ChatLine";
import { useState, type FormEvent } from "react";
import { relativeTime } from "../store";

const STATUS: Record<string, string> = {
  pending: "Pending",
  confirmed: "Confirmed",
  rejected: "Declined",
  cancelled: "Cancelled",
  in_progress: "In progress",
  completed: "Completed",
};

interface Props {
  view: "bookings" | "chats";
  bookings: BookingLive[];
  chats: ChatLine[];
  onSend: (chatId: string, text: string) => void;
}

export function LivePanels({ view, bookings, chats, onSend }: Props) {
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
  // Newest chat first; within a chat, oldest message first, like a conversation.
  const byChat = new Map<string, ChatLine[]>();
  for (const line of chats) byChat.set(line.chatId, [line, ...(byChat.get(line.chatId) ?? [])]);
  return (
    <div className="live" aria-label="Chats">
      {[...byChat.entries()].map(([chatId, lines]) => (
        <section key={chatId} className="chat" aria-label={`Chat ${chatId}`}>
          <h2 className="day">{chatId}</h2>
          <ul>
            {lines.slice(-8).map((c) => (
              <li key={c.messageId} className={c.fromUserId === "me" ? "mine" : ""}>
                <span className="live-main">{c.fromUserId === "me" ? "You" : c.fromUserId}</span>
                <span className="live-sub">{relativeTime(c.at, now)}</span>
                <span className="live-text">{c.message}</span>
              </li>
            ))}
          </ul>
          <Reply chatId={chatId} onSend={onSend} />
        </section>
      ))}
    </div>
  );
}

function Reply({ chatId, onSend }: { chatId: string; onSend: (chatId: string, text: string) => void }) {
  const [text, setText] = useState("");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (text.trim() === "") return;
    onSend(chatId, text.trim());
    setText("");
  };
  return (
    <form className="reply" onSubmit={submit}>
      <input value={text} onChange={(e) => setText(e.target.value)} placeholder="Reply…" aria-label={`Reply in ${chatId}`} maxLength={4000} />
      <button type="submit" disabled={text.trim() === ""}>
        Send
      </button>
    </form>
  );
}
