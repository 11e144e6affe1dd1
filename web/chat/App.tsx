/**
 * The web chat at `/`: the conversation list (new, rename, delete), the answer streamed in and
 * rendered as Markdown, stop / regenerate / copy, attachments (images go to vision models as image
 * parts, other files are read as documents) and a link to the voice page when voice is on.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { Answer } from './markdown.js';
import { ChatSocket, stored, takeTokenFromUrl, type ServerFrame, type SocketState } from './socket.js';

type Role = 'user' | 'assistant' | 'error';

interface FileNote {
  kind: string;
  fileName?: string;
}

interface Item {
  key: string;
  role: Role;
  text: string;
  streaming?: boolean;
  done?: boolean;
  /** Stopped by the user before the model finished. */
  cut?: boolean;
  files?: FileNote[];
}

interface Conversation {
  id: string;
  title: string;
  updatedAt: number;
}

interface Features {
  voice: boolean;
  maxAttachmentBytes: number;
}

/** A file chosen in the composer, read and ready to send. */
interface Pending {
  name: string;
  mimeType: string;
  data: string;
  size: number;
}

const MAX_FILES = 4;

const STATUS_TEXT: Record<SocketState, string> = {
  connecting: 'connecting…',
  ready: 'connected',
  closed: 'disconnected — reconnecting…',
  token: 'access token needed',
};

function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'));
    reader.readAsDataURL(file);
  });
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`;
}

/** The clipboard API exists only in secure contexts; plain http on a LAN falls back to a selection. */
async function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  document.execCommand('copy');
  area.remove();
}

export function App() {
  const [state, setState] = useState<SocketState>('connecting');
  const [items, setItems] = useState<Item[]>([]);
  const [conversations, setConversations] = useState<Conversation[]>([]);
  const [current, setCurrent] = useState<string | undefined>(undefined);
  const [features, setFeatures] = useState<Features>({ voice: false, maxAttachmentBytes: 0 });
  const [busy, setBusy] = useState(false);
  const [input, setInput] = useState('');
  const [pending, setPending] = useState<Pending[]>([]);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [tokenInput, setTokenInput] = useState('');
  const [listOpen, setListOpen] = useState(false);
  const socket = useRef<ChatSocket | undefined>(undefined);
  const log = useRef<HTMLElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  const currentRef = useRef<string | undefined>(undefined);
  /** The open conversation being deleted: a new chat starts once the server's list no longer has it. */
  const deleting = useRef<string | undefined>(undefined);

  const onFrame = useCallback((f: ServerFrame) => {
    switch (f.type) {
      case 'ready': {
        const id = String(f.conversationId);
        currentRef.current = id;
        setCurrent(id);
        stored.setConversation(id);
        if (typeof f.identity === 'string') stored.setIdentity(f.identity);
        socket.current?.joined(id);
        setState('ready');
        setBusy(false);
        const feat = (f.features ?? {}) as Partial<Features>;
        setFeatures({ voice: feat.voice === true, maxAttachmentBytes: Number(feat.maxAttachmentBytes ?? 0) });
        setConversations((f.conversations as Conversation[]) ?? []);
        const history = (f.history as Array<{ role: string; content: string; attachments?: FileNote[] }>) ?? [];
        setItems(
          history
            .filter((h) => h.role === 'user' || h.role === 'assistant')
            .map((h, i) => ({
              key: `h${i}`,
              role: h.role as Role,
              text: h.content,
              done: true,
              ...(h.attachments ? { files: h.attachments } : {}),
            })),
        );
        break;
      }
      case 'conversations': {
        const list = (f.conversations as Conversation[]) ?? [];
        setConversations(list);
        if (deleting.current && !list.some((c) => c.id === deleting.current)) {
          deleting.current = undefined;
          startNew.current();
        }
        break;
      }
      case 'start':
        setItems((list) =>
          list.some((i) => i.key === f.replyId)
            ? list
            : [...list, { key: String(f.replyId), role: 'assistant', text: '', streaming: true }],
        );
        break;
      case 'delta':
        setItems((list) => {
          const key = String(f.replyId);
          if (!list.some((i) => i.key === key))
            return [...list, { key, role: 'assistant', text: String(f.text), streaming: true }];
          return list.map((i) => (i.key === key ? { ...i, text: i.text + String(f.text) } : i));
        });
        break;
      case 'done': {
        const key = String(f.replyId);
        const done: Item = {
          key,
          role: 'assistant',
          text: String(f.text ?? ''),
          done: true,
          ...(f.finishReason === 'cancelled' ? { cut: true } : {}),
        };
        setItems((list) =>
          list.some((i) => i.key === key) ? list.map((i) => (i.key === key ? done : i)) : [...list, done],
        );
        setBusy(false);
        break;
      }
      case 'error': {
        const key = typeof f.replyId === 'string' ? f.replyId : undefined;
        setItems((list) => [
          ...list.filter((i) => i.key !== key),
          { key: `e${Date.now()}-${Math.random()}`, role: 'error', text: String(f.message ?? 'something went wrong') },
        ]);
        // A refused message (a bad attachment, say) has no reply id, and nothing is generated either.
        setBusy(false);
        if (f.code === 'HEARTH_E_UNAUTHORIZED') {
          stored.setToken(undefined);
          setState('token');
        }
        break;
      }
    }
  }, []);

  useEffect(() => {
    takeTokenFromUrl();
    const s = new ChatSocket(onFrame, (st) => {
      setState(st);
      if (st !== 'ready') setBusy(false);
    });
    socket.current = s;
    s.open(stored.conversation());
    return () => s.close();
  }, [onFrame]);

  // Keep the newest text in view while it streams, unless the reader scrolled up.
  useEffect(() => {
    const el = log.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 160) el.scrollTop = el.scrollHeight;
  }, [items]);

  const startNew = useRef(() => {});
  const openConversation = (id: string | undefined) => {
    setItems([]);
    setBusy(false);
    setListOpen(false);
    stored.setConversation(id);
    socket.current?.open(id);
    if (!id) inputRef.current?.focus();
  };
  startNew.current = () => openConversation(undefined);

  const addFiles = async (files: FileList | File[]) => {
    setProblem(undefined);
    const chosen = [...files];
    if (pending.length + chosen.length > MAX_FILES) return setProblem(`At most ${MAX_FILES} files per message.`);
    const max = features.maxAttachmentBytes;
    const tooBig = chosen.find((f) => f.size > max);
    if (tooBig) return setProblem(`"${tooBig.name}" is too large: at most ${formatBytes(max)} per file.`);
    const empty = chosen.find((f) => f.size === 0);
    if (empty) return setProblem(`"${empty.name}" is empty.`);
    try {
      const read = await Promise.all(
        chosen.map(async (f) => ({
          name: f.name || 'file',
          mimeType: f.type || 'application/octet-stream',
          data: await readBase64(f),
          size: f.size,
        })),
      );
      setPending((p) => [...p, ...read]);
    } catch (err) {
      setProblem(`The file could not be read: ${(err as Error).message}`);
    }
  };

  const send = (e?: FormEvent) => {
    e?.preventDefault();
    const text = input.trim();
    if ((!text && pending.length === 0) || busy || state !== 'ready') return;
    const ok = socket.current?.send({
      type: 'message',
      text,
      ...(pending.length ? { attachments: pending.map(({ name, mimeType, data }) => ({ name, mimeType, data })) } : {}),
    });
    if (!ok) return;
    const files = pending.map((p) => ({
      kind: p.mimeType.startsWith('image/') ? 'image' : 'document',
      fileName: p.name,
    }));
    setItems((list) => [
      ...list,
      { key: `u${Date.now()}`, role: 'user', text, done: true, ...(files.length ? { files } : {}) },
    ]);
    setInput('');
    setPending([]);
    setProblem(undefined);
    setBusy(true);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    }
  };

  const regenerate = () => {
    if (busy || !socket.current?.send({ type: 'regenerate' })) return;
    setItems((list) => (list.at(-1)?.role === 'assistant' ? list.slice(0, -1) : list));
    setBusy(true);
  };

  const lastAnswer = useMemo(() => {
    for (let i = items.length - 1; i >= 0; i--) if (items[i]!.role !== 'error') return items[i]!;
    return undefined;
  }, [items]);

  if (state === 'token') {
    return (
      <div className="app token-only">
        <form
          id="token-form"
          className="token-form"
          onSubmit={(e) => {
            e.preventDefault();
            stored.setToken(tokenInput.trim());
            setTokenInput('');
            socket.current?.open(stored.conversation());
          }}
        >
          <h1>Hearth</h1>
          <label htmlFor="token">This Hearth needs an access token:</label>
          <input
            id="token"
            type="password"
            autoComplete="off"
            placeholder="API token"
            value={tokenInput}
            onChange={(e) => setTokenInput(e.target.value)}
          />
          <button type="submit">Connect</button>
        </form>
      </div>
    );
  }

  return (
    <div
      className={`app${listOpen ? ' list-open' : ''}`}
      onKeyDown={(e) => e.key === 'Escape' && listOpen && setListOpen(false)}
    >
      {listOpen ? <div className="backdrop" aria-hidden="true" onClick={() => setListOpen(false)} /> : null}
      <aside id="sidebar" className="sidebar" aria-label="Conversations">
        <div className="sidebar-top">
          <button id="new-chat" type="button" className="primary" onClick={() => openConversation(undefined)}>
            New chat
          </button>
          <button type="button" className="list-close" aria-label="Close the list" onClick={() => setListOpen(false)}>
            ×
          </button>
        </div>
        <ul className="conversations">
          {conversations.map((c) => (
            <ConversationRow
              key={c.id}
              conversation={c}
              current={c.id === current}
              onOpen={() => openConversation(c.id)}
              onRename={(title) => socket.current?.send({ type: 'rename', conversationId: c.id, title })}
              onDelete={() => {
                if (c.id === current) deleting.current = c.id;
                socket.current?.send({ type: 'delete', conversationId: c.id });
              }}
            />
          ))}
        </ul>
      </aside>
      <div className="main">
        <header>
          <button
            type="button"
            className="list-toggle"
            aria-controls="sidebar"
            aria-expanded={listOpen}
            onClick={() => setListOpen((o) => !o)}
          >
            Chats
          </button>
          <h1>Hearth</h1>
          <span id="status" className="status" data-state={state} role="status">
            {STATUS_TEXT[state]}
          </span>
          {features.voice ? (
            <a
              id="voice"
              className="icon-button"
              href="/voice.html"
              aria-label="Talk with voice"
              title="Talk with voice"
            >
              <MicIcon />
            </a>
          ) : null}
        </header>
        <main id="log" ref={log} aria-live="polite" aria-label="Conversation">
          {items.length === 0 ? <p className="empty">Ask anything. Markdown, images and files are welcome.</p> : null}
          {items.map((item) => (
            <div key={item.key} className={`turn ${item.role}`}>
              {item.files?.length ? (
                <ul className="files" aria-label="Attachments">
                  {item.files.map((f, i) => (
                    <li key={i}>
                      {f.kind === 'image' ? <ImageIcon /> : <FileIcon />} {f.fileName ?? f.kind}
                    </li>
                  ))}
                </ul>
              ) : null}
              <div
                className={`msg ${item.role}${item.streaming ? ' streaming' : ''}`}
                data-done={item.done ? 'true' : undefined}
                data-cut={item.cut ? 'true' : undefined}
                aria-busy={item.streaming ? true : undefined}
                role={item.role === 'error' ? 'alert' : undefined}
              >
                {item.role === 'assistant' ? <Answer text={item.text} /> : item.text}
              </div>
              {item.cut ? <p className="cut-note">Stopped: the answer was cut here.</p> : null}
              {item.role === 'assistant' && item.done ? (
                <div className="actions">
                  <CopyButton text={item.text} />
                  {item === lastAnswer && !busy ? (
                    <button type="button" className="regenerate" onClick={regenerate}>
                      Regenerate
                    </button>
                  ) : null}
                </div>
              ) : null}
            </div>
          ))}
        </main>
        <form id="composer" autoComplete="off" onSubmit={send}>
          {problem ? (
            <p id="attach-error" className="problem" role="alert">
              {problem}
            </p>
          ) : null}
          {pending.length ? (
            <ul className="pending" aria-label="Files to send">
              {pending.map((p, i) => (
                <li key={i}>
                  <span>
                    {p.name} ({formatBytes(p.size)})
                  </span>
                  <button
                    type="button"
                    aria-label={`Remove ${p.name}`}
                    onClick={() => setPending((list) => list.filter((_, j) => j !== i))}
                  >
                    ×
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
          <div className="row">
            <input
              id="attach-input"
              ref={fileRef}
              type="file"
              multiple
              hidden
              onChange={(e) => {
                if (e.target.files?.length) void addFiles(e.target.files);
                e.target.value = '';
              }}
            />
            <button
              id="attach"
              type="button"
              className="icon-button"
              aria-label="Attach images or files"
              title="Attach images or files"
              onClick={() => fileRef.current?.click()}
            >
              <ClipIcon />
            </button>
            <textarea
              id="input"
              ref={inputRef}
              rows={1}
              placeholder="Message Hearth…"
              aria-label="Message"
              aria-describedby="composer-hint"
              value={input}
              onChange={(e) => setInput(e.target.value)}
              onKeyDown={onKeyDown}
              onPaste={(e) => {
                if (e.clipboardData.files.length) {
                  e.preventDefault();
                  void addFiles(e.clipboardData.files);
                }
              }}
            />
            {busy ? (
              <button id="stop" type="button" onClick={() => socket.current?.send({ type: 'stop' })}>
                Stop
              </button>
            ) : null}
            <button id="send" type="submit" disabled={state !== 'ready' || busy}>
              Send
            </button>
          </div>
          <p id="composer-hint" className="hint">
            Enter sends, Shift+Enter starts a new line.
          </p>
        </form>
      </div>
    </div>
  );
}

function ConversationRow(props: {
  conversation: Conversation;
  current: boolean;
  onOpen: () => void;
  onRename: (title: string) => void;
  onDelete: () => void;
}) {
  const { conversation: c } = props;
  const [mode, setMode] = useState<'view' | 'rename' | 'delete'>('view');
  const [title, setTitle] = useState(c.title);
  if (mode === 'rename') {
    return (
      <li className="conversation editing">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (title.trim()) props.onRename(title.trim());
            setMode('view');
          }}
        >
          <input
            aria-label="New title"
            value={title}
            maxLength={120}
            autoFocus
            onChange={(e) => setTitle(e.target.value)}
            onKeyDown={(e) => e.key === 'Escape' && setMode('view')}
          />
          <button type="submit">Save</button>
        </form>
      </li>
    );
  }
  return (
    <li className="conversation" data-id={c.id}>
      <button
        type="button"
        className="open"
        aria-current={props.current ? 'page' : undefined}
        onClick={props.onOpen}
        title={c.title}
      >
        {c.title}
      </button>
      {mode === 'delete' ? (
        <span className="confirm">
          <button type="button" className="danger" onClick={props.onDelete} aria-label={`Really delete ${c.title}`}>
            Delete
          </button>
          <button type="button" onClick={() => setMode('view')}>
            Keep
          </button>
        </span>
      ) : (
        <span className="row-actions">
          <button
            type="button"
            aria-label={`Rename ${c.title}`}
            title="Rename"
            onClick={() => {
              setTitle(c.title);
              setMode('rename');
            }}
          >
            <PenIcon />
          </button>
          <button type="button" aria-label={`Delete ${c.title}`} title="Delete" onClick={() => setMode('delete')}>
            <BinIcon />
          </button>
        </span>
      )}
    </li>
  );
}

function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="copy"
      onClick={() =>
        void copyText(text).then(
          () => {
            setCopied(true);
            setTimeout(() => setCopied(false), 1500);
          },
          () => undefined,
        )
      }
    >
      {copied ? 'Copied' : 'Copy'}
    </button>
  );
}

function MicIcon() {
  return (
    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3Zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.92V21h2v-3.08A7 7 0 0 0 19 11h-2Z"
      />
    </svg>
  );
}

function ClipIcon() {
  return (
    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5H9v9a3 3 0 0 0 6 0V5a4.5 4.5 0 0 0-9 0v11.5a6 6 0 0 0 12 0v-10h-1.5Z"
      />
    </svg>
  );
}

function Icon({ d }: { d: string }) {
  return (
    <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
      <path fill="currentColor" d={d} />
    </svg>
  );
}

const PenIcon = () => (
  <Icon d="M3 17.25V21h3.75L17.8 9.94l-3.75-3.75L3 17.25Zm17.7-10.2a1 1 0 0 0 0-1.42l-2.33-2.33a1 1 0 0 0-1.42 0l-1.83 1.83 3.75 3.75 1.83-1.83Z" />
);
const BinIcon = () => <Icon d="M6 19a2 2 0 0 0 2 2h8a2 2 0 0 0 2-2V7H6v12ZM19 4h-3.5l-1-1h-5l-1 1H5v2h14V4Z" />;
const FileIcon = () => <Icon d="M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8l-6-6Zm-1 7V3.5L18.5 9H13Z" />;
const ImageIcon = () => (
  <Icon d="M21 19V5a2 2 0 0 0-2-2H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2ZM8.5 13.5l2.5 3 3.5-4.5 4.5 6H5l3.5-4.5Z" />
);
