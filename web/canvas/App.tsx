// The canvas page: a toolbar over a full-window drawing surface. React owns the controls; the
// surface itself is painted imperatively by Board (a React render per pointer move would be waste).
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Board, type Tool, type View } from './board.js';
import { credentialsFor, presence, roomFromPath, saveToken } from './identity.js';
import { RoomSession, type Status } from './session.js';

const TOOLS: Array<{ tool: Tool; label: string; icon: string }> = [
  { tool: 'pen', label: 'Pen', icon: '✎' },
  { tool: 'rect', label: 'Rectangle', icon: '▭' },
  { tool: 'ellipse', label: 'Ellipse', icon: '◯' },
  { tool: 'line', label: 'Line', icon: '╱' },
  { tool: 'arrow', label: 'Arrow', icon: '➚' },
  { tool: 'text', label: 'Text', icon: 'T' },
  { tool: 'eraser', label: 'Eraser', icon: '⌫' },
  { tool: 'pan', label: 'Pan', icon: '✥' },
];
const COLORS: Array<{ color: string; name: string }> = [
  { color: '#1e1e1e', name: 'Black' },
  { color: '#e03131', name: 'Red' },
  { color: '#2f9e44', name: 'Green' },
  { color: '#1971c2', name: 'Blue' },
  { color: '#f08c00', name: 'Orange' },
  { color: '#9c36b5', name: 'Purple' },
];
const WIDTHS: Array<{ width: number; name: string }> = [
  { width: 2, name: 'Thin' },
  { width: 4, name: 'Medium' },
  { width: 8, name: 'Thick' },
];
const STATUS_TEXT: Record<Status, string> = {
  connecting: 'Connecting…',
  synced: 'Live',
  offline: 'Offline — reconnecting; your drawing is kept',
  'needs-auth': 'Sign in to open this room',
  refused: 'Disconnected',
};

export function App() {
  const room = roomFromPath(location.pathname);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const boardRef = useRef<Board | null>(null);
  const sessionRef = useRef<RoomSession | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [tool, setTool] = useState<Tool>('pen');
  const [color, setColor] = useState(COLORS[0]!.color);
  const [width, setWidth] = useState(WIDTHS[1]!.width);
  const [status, setStatus] = useState<Status>('connecting');
  const [viewOnly, setViewOnly] = useState(false);
  const [reason, setReason] = useState('');
  const [count, setCount] = useState(0);
  const [view, setView] = useState<View>({ x: 0, y: 0, zoom: 1 });
  const [undoState, setUndoState] = useState({ undo: false, redo: false });
  const [textAt, setTextAt] = useState<{ screen: { x: number; y: number }; world: { x: number; y: number } } | null>(
    null,
  );

  useEffect(() => {
    const session = new RoomSession(room, credentialsFor(room), presence());
    sessionRef.current = session;
    const board = new Board(canvasRef.current!, session, {
      onTextAt: (screen, world) => setTextAt({ screen, world }),
      onView: (v) => setView({ ...v }),
      onElements: setCount,
    });
    boardRef.current = board;
    const sync = () => {
      setStatus(session.status);
      setViewOnly(session.viewOnly);
      setReason(session.reason);
    };
    const offChange = session.onChange(sync);
    const onStack = () => setUndoState({ undo: session.undo.canUndo(), redo: session.undo.canRedo() });
    session.undo.on('stack-item-added', onStack);
    session.undo.on('stack-item-popped', onStack);
    session.undo.on('stack-cleared', onStack);
    const keys = (e: KeyboardEvent) => {
      if ((e.target as HTMLElement).tagName === 'INPUT') return;
      const mod = e.ctrlKey || e.metaKey;
      if (mod && e.key.toLowerCase() === 'z') {
        e.preventDefault();
        if (e.shiftKey) session.undo.redo();
        else session.undo.undo();
      } else if (mod && e.key.toLowerCase() === 'y') {
        e.preventDefault();
        session.undo.redo();
      }
    };
    window.addEventListener('keydown', keys);
    return () => {
      window.removeEventListener('keydown', keys);
      offChange();
      board.destroy();
      session.destroy();
    };
  }, [room, attempt]);

  useEffect(() => {
    const b = boardRef.current;
    if (!b) return;
    b.tool = tool;
    b.color = color;
    b.width = width;
  }, [tool, color, width, attempt]);

  const signIn = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const token = String(form.get('token') ?? '').trim();
    const username = String(form.get('username') ?? '').trim();
    const password = String(form.get('password') ?? '');
    if (token) saveToken(token);
    else if (username && password) {
      const res = await fetch('/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      if (!res.ok) return setReason('Wrong user name or password.');
      saveToken(((await res.json()) as { accessToken: string }).accessToken);
    } else return;
    setStatus('connecting');
    setAttempt((n) => n + 1);
  };

  const commitText = (value: string) => {
    if (textAt && value.trim()) boardRef.current?.addText(textAt.world, value);
    setTextAt(null);
  };

  const editing = !viewOnly && status !== 'needs-auth';
  return (
    <div className="app">
      <canvas
        ref={canvasRef}
        className={`surface tool-${tool}`}
        aria-label={`Drawing surface of room ${room}, ${count} elements`}
        data-elements={count}
      />
      <div className="toolbar" role="toolbar" aria-label="Drawing tools">
        <div className="group">
          {TOOLS.map((t) => (
            <button
              key={t.tool}
              type="button"
              aria-label={t.label}
              title={t.label}
              aria-pressed={tool === t.tool}
              disabled={!editing && t.tool !== 'pan'}
              onClick={() => setTool(t.tool)}
            >
              {t.icon}
            </button>
          ))}
        </div>
        <div className="group" role="radiogroup" aria-label="Colour">
          {COLORS.map((c) => (
            <button
              key={c.color}
              type="button"
              role="radio"
              className="swatch"
              aria-label={c.name}
              title={c.name}
              aria-checked={color === c.color}
              style={{ background: c.color }}
              onClick={() => setColor(c.color)}
            />
          ))}
          <label className="custom-color" title="Custom colour">
            <span className="visually-hidden">Custom colour</span>
            <input type="color" value={color} onChange={(e) => setColor(e.target.value)} />
          </label>
        </div>
        <div className="group" role="radiogroup" aria-label="Line width">
          {WIDTHS.map((w) => (
            <button
              key={w.width}
              type="button"
              role="radio"
              aria-label={w.name}
              title={w.name}
              aria-checked={width === w.width}
              onClick={() => setWidth(w.width)}
            >
              <span className="dot" style={{ width: w.width + 4, height: w.width + 4 }} />
            </button>
          ))}
        </div>
        <div className="group">
          <button
            type="button"
            aria-label="Undo"
            title="Undo (Ctrl+Z)"
            disabled={!undoState.undo}
            onClick={() => sessionRef.current?.undo.undo()}
          >
            ↶
          </button>
          <button
            type="button"
            aria-label="Redo"
            title="Redo (Ctrl+Shift+Z)"
            disabled={!undoState.redo}
            onClick={() => sessionRef.current?.undo.redo()}
          >
            ↷
          </button>
          <button
            type="button"
            aria-label="Clear the board"
            title="Clear the board (undo brings it back)"
            disabled={!editing}
            onClick={() => boardRef.current?.clear()}
          >
            <svg
              width="18"
              height="18"
              viewBox="0 0 24 24"
              fill="none"
              stroke="currentColor"
              strokeWidth="2"
              strokeLinecap="round"
              aria-hidden="true"
            >
              <path d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3" />
            </svg>
          </button>
        </div>
        <div className="group">
          <button
            type="button"
            aria-label="Zoom out"
            title="Zoom out"
            onClick={() => boardRef.current?.zoomAt(1 / 1.25)}
          >
            −
          </button>
          <button
            type="button"
            aria-label="Reset view"
            title="Back to the shared view"
            onClick={() => boardRef.current?.resetView()}
          >
            {Math.round(view.zoom * 100)}%
          </button>
          <button type="button" aria-label="Zoom in" title="Zoom in" onClick={() => boardRef.current?.zoomAt(1.25)}>
            +
          </button>
        </div>
        <div
          className="group status"
          id="status"
          data-state={status}
          data-view-only={viewOnly}
          role="status"
          aria-live="polite"
        >
          {viewOnly ? 'View only' : STATUS_TEXT[status]}
          {status === 'refused' && reason ? `: ${reason}` : ''}
        </div>
      </div>
      {textAt && (
        <input
          className="text-entry"
          aria-label="Text to add"
          autoFocus
          style={{ left: textAt.screen.x, top: textAt.screen.y - 14, color }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') commitText(e.currentTarget.value);
            if (e.key === 'Escape') setTextAt(null);
          }}
          onBlur={(e) => commitText(e.currentTarget.value)}
        />
      )}
      {status === 'needs-auth' && (
        <form className="sign-in" id="sign-in" onSubmit={signIn}>
          <h1>Room {room}</h1>
          <p>{reason || 'This room needs a token, a login or a share link.'}</p>
          <label>
            Token
            <input name="token" type="password" autoComplete="off" />
          </label>
          <p className="or">or sign in</p>
          <label>
            User name
            <input name="username" autoComplete="username" />
          </label>
          <label>
            Password
            <input name="password" type="password" autoComplete="current-password" />
          </label>
          <button type="submit">Open the room</button>
        </form>
      )}
    </div>
  );
}
