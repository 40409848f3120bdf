import type { ChatLine } from "../generated/ChatLine";
import { relativeTime } from "../store";
import { MuteControl } from "./MuteControl";
import { MessageForm } from "./MessageForm";

interface Props {
  chats: ChatLine[];
  onSend: (chatId: string, text: string) => void;
  /** Mutes by key (`chat:<id>`): until (ms) or `null` until unmuted. */
  muted: Record<string, number | null>;
  onMute: (key: string, until: number | null | undefined) => void;
  /** A chat a link opened the window at. */
  linked?: string | null;
}

/** Chat lines seen since the app started, with a reply box per chat. */
export function LivePanels({ chats, onSend, muted, onMute, linked }: Props) {
  const now = Date.now();
  const missing = linked && !chats.some((c) => c.chatId === linked) && (
    <p className="notice" role="alert">
      No messages of chat {linked} since the app started.
    </p>
  );
  if (chats.length === 0) return <div className="empty">{missing}<p>No messages since the app started.</p></div>;
  // Newest chat first; within a chat, oldest message first, like a conversation.
  const byChat = new Map<string, ChatLine[]>();
  for (const line of chats) byChat.set(line.chatId, [line, ...(byChat.get(line.chatId) ?? [])]);
  return (
    <div className="live" aria-label="Chats">
      {missing}
      {[...byChat.entries()].map(([chatId, lines]) => (
        <section
          key={chatId}
          className={chatId === linked ? "chat linked" : "chat"}
          aria-label={`Chat ${chatId}`}
          aria-current={chatId === linked ? "true" : undefined}
        >
          <h2 className="day">
            {chatId}{" "}
            <MuteControl label={`chat ${chatId}`} until={muted[`chat:${chatId}`]} onChange={(until) => onMute(`chat:${chatId}`, until)} />
          </h2>
          <ul>
            {lines.slice(-8).map((c) => (
              <li key={c.messageId} className={c.fromUserId === "me" ? "mine" : ""}>
                <span className="live-main">{c.fromUserId === "me" ? "You" : c.fromUserId}</span>
                <span className="live-sub">{relativeTime(c.at, now)}</span>
                <span className="live-text">{c.message}</span>
              </li>
            ))}
          </ul>
          <MessageForm label={`Reply in ${chatId}`} placeholder="Reply…" onSend={(text) => onSend(chatId, text)} />
        </section>
      ))}
    </div>
  );
}

