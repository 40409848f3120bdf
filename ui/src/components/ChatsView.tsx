import { useLayoutEffect, useRef } from "react";
import type { ChatsView as ChatsState } from "../generated/ChatsView";
import type { OpenChat } from "../generated/OpenChat";
import { relativeTime } from "../store";
import { MuteControl } from "./MuteControl";
import { MessageForm } from "./MessageForm";
import { ExternalIcon } from "./Icons";

interface Props {
  chats: ChatsState;
  onOpen: (chatId: string) => void;
  /** Back to the list. */
  onClose: () => void;
  onOlder: () => void;
  onMore: () => void;
  onRetry: () => void;
  onSend: (chatId: string, text: string) => void;
  /** Mutes by key (`chat:<id>`): until (ms) or `null` until unmuted. */
  muted: Record<string, number | null>;
  onMute: (key: string, until: number | null | undefined) => void;
  /** Opens a conversation on the website; absent when no website is set. */
  onOpenWeb?: (chatId: string) => void;
  /** The chat the user is looking at (the window is narrow: list or conversation). */
  showing: string | null;
}

/** How close to the top (px) scrolling back loads the older page. */
const NEAR_TOP = 48;

/** The user's conversations from the server, and the one they opened. */
export function ChatsView(props: Props) {
  const { chats, showing } = props;
  const open = chats.open && chats.open.id === showing ? chats.open : null;
  if (open) return <Conversation {...props} open={open} />;
  return <ConversationList {...props} />;
}

function ConversationList({ chats, onOpen, onMore, onRetry }: Props) {
  const now = Date.now();
  if (chats.rows === null) {
    return (
      <div className="empty">
        {chats.error ? (
          <>
            <p>Couldn't load your conversations: {chats.error}</p>
            <button onClick={onRetry}>Try again</button>
          </>
        ) : (
          <p>Loading your conversations…</p>
        )}
      </div>
    );
  }
  if (chats.rows.length === 0) {
    return (
      <div className="empty">
        <p>No conversations yet. Write to a host or renter with "Message" on one of your bookings.</p>
      </div>
    );
  }
  return (
    <>
      {chats.error && (
        <p className="notice error" role="alert">
          Couldn't refresh your conversations: {chats.error}
        </p>
      )}
      <ul className="live chat-list" aria-label="Conversations">
        {chats.rows.map((c) => (
          <li key={c.id}>
            <button
              className={c.unread > 0 ? "chat-row unread" : "chat-row"}
              onClick={() => onOpen(c.id)}
              aria-label={`Chat with ${c.otherPartyName}${c.unread > 0 ? `, ${c.unread} unread` : ""}`}
            >
              <span className="live-main">{c.otherPartyName}</span>
              {c.lastAt !== null && <span className="live-sub">{relativeTime(c.lastAt, now)}</span>}
              {c.unread > 0 && <span className="pill unread-count">{c.unread > 99 ? "99+" : c.unread}</span>}
              <span className="live-text preview">
                {c.lastMessage === null ? "No messages yet" : `${c.lastFromMe ? "You: " : ""}${c.lastMessage}`}
              </span>
            </button>
          </li>
        ))}
      </ul>
      {chats.hasMore && (
        <button className="more" onClick={onMore}>
          Show more conversations
        </button>
      )}
    </>
  );
}

function Conversation({ open, onClose, onOlder, onSend, muted, onMute, onOpenWeb }: Props & { open: OpenChat }) {
  const scroller = useRef<HTMLOListElement>(null);
  const first = open.messages[0]?.id;
  const last = open.messages[open.messages.length - 1]?.id;
  const seen = useRef<{ first?: string; last?: string; height: number }>({ height: 0 });
  // New messages at the end scroll into view; an older page at the top keeps
  // the message the user was reading where it was.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const before = seen.current;
    if (last !== before.last) el.scrollTop = el.scrollHeight;
    else if (first !== before.first) el.scrollTop += el.scrollHeight - before.height;
    seen.current = { first, last, height: el.scrollHeight };
  }, [first, last]);
  const name = open.title ?? "this chat";
  const onScroll = () => {
    const el = scroller.current;
    if (el && el.scrollTop < NEAR_TOP && open.hasOlder && !open.loading) onOlder();
  };
  return (
    <section className="conversation" aria-label={`Conversation with ${name}`}>
      <header className="conversation-head">
        <button onClick={onClose} aria-label="All conversations">
          ←
        </button>
        <h2>{open.title ?? "Chat"}</h2>
        {onOpenWeb && open.error !== "not found" && (
          <button aria-label={`Open the conversation with ${name} in the browser`} onClick={() => onOpenWeb(open.id)}>
            <ExternalIcon />
          </button>
        )}
        <MuteControl label={`chat with ${name}`} until={muted[`chat:${open.id}`]} onChange={(until) => onMute(`chat:${open.id}`, until)} />
      </header>
      {open.error === "not found" ? (
        <p className="notice" role="alert">
          This chat was not found among your conversations.
        </p>
      ) : (
        open.error && (
          <p className="notice error" role="alert">
            Couldn't load messages: {open.error}
          </p>
        )
      )}
      <ol className="messages" ref={scroller} onScroll={onScroll} aria-label="Messages" aria-busy={open.loading}>
        {open.hasOlder && (
          <li className="older">
            <button onClick={onOlder} disabled={open.loading}>
              {open.loading ? "Loading…" : "Load older messages"}
            </button>
          </li>
        )}
        {!open.loading && !open.error && open.messages.length === 0 && (
          <li className="older live-sub">No messages yet. Say hello.</li>
        )}
        {open.messages.map((m) => (
          <li key={m.id} className={m.mine ? "message mine" : "message"}>
            <span className="live-sub">
              {m.mine ? "You" : m.fromName} · {m.sending ? "Sending…" : relativeTime(m.at, Date.now())}
            </span>
            <span className="live-text">{m.text}</span>
            {m.failed && (
              <span className="notice error" role="alert">
                Not sent: {m.failed}
              </span>
            )}
          </li>
        ))}
      </ol>
      {open.error !== "not found" && (
        <MessageForm label={`Reply to ${name}`} placeholder="Write a message…" autoFocus onSend={(text) => onSend(open.id, text)} />
      )}
    </section>
  );
}
