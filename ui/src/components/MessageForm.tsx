import { useState, type FormEvent } from "react";

interface Props {
  /** The input's accessible name. */
  label: string;
  placeholder: string;
  autoFocus?: boolean;
  onSend: (text: string) => void;
}

/** A one-line message box: trimmed text, at most 4000 characters, cleared once sent. */
export function MessageForm({ label, placeholder, autoFocus, onSend }: Props) {
  const [text, setText] = useState("");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (text.trim() === "") return;
    onSend(text.trim());
    setText("");
  };
  return (
    <form className="reply" onSubmit={submit}>
      <input
        autoFocus={autoFocus}
        value={text}
        onChange={(e) => setText(e.target.value)}
        placeholder={placeholder}
        aria-label={label}
        maxLength={4000}
      />
      <button type="submit" disabled={text.trim() === ""}>
        Send
      </button>
    </form>
  );
}
