/**
 * The console's screens, one component each, over the admin API. Reads show for every role; a
 * control that needs a higher role is disabled with the reason, and an action the server refuses
 * shows the server's reason.
 */
import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { allows, ApiError, type Api, type Role } from './api.js';
import { Bars, StackedColumns, type Series } from './charts.js';

export interface ScreenProps {
  api: Api;
  role: Role;
  onUnauthorized(): void;
}

/** Loads `path` on mount and on `reload()`; the error (a refusal included) is kept to show. */
export function useLoad<T>(api: Api, path: string | undefined, onUnauthorized: () => void) {
  const [data, setData] = useState<T>();
  const [error, setError] = useState('');
  const reload = useCallback(async () => {
    if (!path) return;
    try {
      setData(await api.get<T>(path));
      setError('');
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) onUnauthorized();
      setError((err as Error).message);
    }
  }, [api.token, path]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, error, reload };
}

/** Runs an action and keeps its outcome for the status line. */
export function useAction(after?: () => unknown) {
  const [status, setStatus] = useState<{ ok: boolean; text: string }>();
  const run = async (label: string, action: () => Promise<unknown>) => {
    try {
      await action();
      setStatus({ ok: true, text: `${label}: done` });
      await after?.();
    } catch (err) {
      setStatus({ ok: false, text: `${label}: ${(err as Error).message}` });
    }
  };
  const line = status && (
    <p role={status.ok ? 'status' : 'alert'} className={status.ok ? 'ok' : 'error'}>
      {status.text}
    </p>
  );
  return { run, line };
}

export function Guarded({
  role,
  needed,
  children,
}: {
  role: Role;
  needed: Role;
  children: (disabled: boolean, title?: string) => ReactNode;
}) {
  const allowed = allows(role, needed);
  return <>{children(!allowed, allowed ? undefined : `Needs the ${needed} role (you are ${role})`)}</>;
}

export const Failure = ({ error }: { error: string }) =>
  error ? (
    <p role="alert" className="error">
      {error}
    </p>
  ) : null;
export const when = (ms: number) => new Date(ms).toLocaleString();

interface ChannelStatus {
  state: string;
  reason?: string;
  /** The channel has a platform connection the Reconnect button can restart. */
  reconnectable?: boolean;
}
interface ModelsAnswer {
  default: string | null;
  fallback: string[];
  models: Array<{
    id: string;
    provider: string;
    model?: string;
    baseUrl?: string;
    isDefault?: boolean;
    breaker?: { state?: string } | string;
  }>;
}
interface AgentInfo {
  id: string;
  model: string | null;
  modelSource: 'admin' | 'file' | 'default';
  skills: string[];
  skillOverrides: Record<string, boolean>;
}
const MODEL_SOURCE = { admin: 'admin change', file: 'hearth.yml', default: 'the default model' } as const;
interface Conversation {
  id: string;
  channel: string;
  chatId: string;
  userId: string;
  agent: string;
  createdAt: number;
  updatedAt: number;
}

interface Stats {
  days: string[];
  channels: Array<{ day: string; channel: string; messages: number; tokens: number }>;
  usage: Array<{
    day: string;
    userId: string;
    agent: string;
    costUsd: number;
    promptTokens: number;
    completionTokens: number;
  }>;
  pricesKnown: boolean;
  queue: { depth: number };
  voice: { activeCalls: number; turns: number; bargeIns: number } | null;
}

/** One series per channel: its `field` on each day. */
function perChannelSeries(stats: Stats, field: 'messages' | 'tokens'): Series[] {
  const names = [...new Set(stats.channels.map((c) => c.channel))].sort();
  return names.map((name) => ({
    name,
    values: stats.days.map((d) => stats.channels.find((c) => c.day === d && c.channel === name)?.[field] ?? 0),
  }));
}

function costBy(stats: Stats, key: 'userId' | 'agent'): Array<[string, number]> {
  const out = new Map<string, number>();
  for (const u of stats.usage) out.set(u[key], (out.get(u[key]) ?? 0) + u.costUsd);
  return [...out].sort(([, a], [, b]) => b - a);
}

export function Dashboard({ api, onUnauthorized }: ScreenProps) {
  const ready = useLoad<{ status: string; model: string | null; channels: Record<string, ChannelStatus> }>(
    api,
    '/readyz',
    onUnauthorized,
  );
  const models = useLoad<ModelsAnswer>(api, '/admin/models', onUnauthorized);
  const stats = useLoad<Stats>(api, '/admin/stats?days=7', onUnauthorized);
  return (
    <>
      <Failure error={ready.error || models.error || stats.error} />
      <div className="cards">
        <section className="card">
          <h3>Health</h3>
          <p data-testid="health">{ready.data?.status ?? '…'}</p>
        </section>
        <section className="card">
          <h3>Model in use</h3>
          <p data-testid="model">{models.data?.default ?? 'none'}</p>
          <ul>
            {models.data?.models.map((m) => (
              <li key={m.id}>
                {m.id}: breaker {typeof m.breaker === 'string' ? m.breaker : (m.breaker?.state ?? 'closed')}
              </li>
            ))}
          </ul>
        </section>
        <section className="card">
          <h3>Channels</h3>
          <ul>
            {Object.entries(ready.data?.channels ?? {}).map(([name, s]) => (
              <li key={name}>
                {name}: <span className={`state ${s.state}`}>{s.state}</span>
              </li>
            ))}
          </ul>
        </section>
        <section className="card">
          <h3>Queue and voice</h3>
          <p data-testid="queue">Waiting messages: {stats.data?.queue.depth ?? '…'}</p>
          <p data-testid="voice">
            {stats.data?.voice
              ? `Voice: ${stats.data.voice.activeCalls} calls open, ${stats.data.voice.turns} turns, ${stats.data.voice.bargeIns} barge-ins`
              : 'Voice: not enabled'}
          </p>
        </section>
      </div>
      {stats.data && (
        <div className="charts">
          <section className="card" data-testid="chart-messages">
            <StackedColumns
              title="Messages per channel and day"
              categories={stats.data.days}
              series={perChannelSeries(stats.data, 'messages')}
            />
          </section>
          <section className="card" data-testid="chart-tokens">
            <StackedColumns
              title="Tokens per channel and day"
              categories={stats.data.days}
              series={perChannelSeries(stats.data, 'tokens')}
            />
          </section>
          <section className="card" data-testid="chart-cost-user">
            <Bars title="Cost per user (USD, 7 days)" data={costBy(stats.data, 'userId')} unit="USD" />
          </section>
          <section className="card" data-testid="chart-cost-agent">
            <Bars title="Cost per agent (USD, 7 days)" data={costBy(stats.data, 'agent')} unit="USD" />
          </section>
          {!stats.data.pricesKnown && (
            <p className="hint">
              No price is known for the models used: set models.catalog.&lt;id&gt;.price to see costs.
            </p>
          )}
        </div>
      )}
    </>
  );
}

export function Channels({ api, role, onUnauthorized }: ScreenProps) {
  const channels = useLoad<Record<string, ChannelStatus>>(api, '/admin/channels', onUnauthorized);
  const pairings = useLoad<{ pending: Array<{ code: string; channel: string; senderId: string; expiresAt?: number }> }>(
    api,
    '/admin/pairings',
    onUnauthorized,
  );
  const { run, line } = useAction(() => Promise.all([channels.reload(), pairings.reload()]));
  useEffect(() => {
    // Channel states and a pairing QR change on their own: refresh while the screen is open.
    const timer = setInterval(() => void channels.reload(), 3000);
    return () => clearInterval(timer);
  }, [channels.reload]);
  return (
    <>
      <Failure error={channels.error} />
      {line}
      <table>
        <thead>
          <tr>
            <th>Channel</th>
            <th>State</th>
            <th>Reason</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {Object.entries(channels.data ?? {}).map(([name, s]) => (
            <tr key={name} data-channel={name}>
              <td>{name}</td>
              <td>
                <span className={`state ${s.state}`}>{s.state}</span>
              </td>
              <td>{s.reason ?? ''}</td>
              <td>
                {s.reconnectable && (
                  <Guarded role={role} needed="operator">
                    {(disabled, title) => (
                      <button
                        type="button"
                        disabled={disabled}
                        title={title}
                        aria-label={`Reconnect ${name}`}
                        onClick={() =>
                          run(`Reconnect ${name}`, () =>
                            api.call('POST', `/admin/channels/${encodeURIComponent(name)}/reconnect`),
                          )
                        }
                      >
                        Reconnect
                      </button>
                    )}
                  </Guarded>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {Object.keys(channels.data ?? {})
        .filter((n) => n.startsWith('whatsapp'))
        .map((name) => (
          <PairingQr key={name} api={api} role={role} channel={name} />
        ))}
      <h3>Pending pairing codes</h3>
      <Failure error={pairings.error} />
      {pairings.data?.pending.length === 0 && <p>No sender is waiting.</p>}
      <ul className="rows">
        {pairings.data?.pending.map((p) => (
          <li key={p.code}>
            <code>{p.code}</code> {p.channel} · {p.senderId}{' '}
            <Guarded role={role} needed="operator">
              {(disabled, title) => (
                <button
                  type="button"
                  disabled={disabled}
                  title={title}
                  onClick={() =>
                    run(`Approve ${p.code}`, () =>
                      api.call('POST', `/admin/pairings/${encodeURIComponent(p.code)}/approve`),
                    )
                  }
                >
                  Approve
                </button>
              )}
            </Guarded>
          </li>
        ))}
      </ul>
    </>
  );
}

/**
 * The WhatsApp Web pairing QR, polled: it appears when the channel asks to be paired and changes as
 * it rotates. Re-pair unlinks the current device and asks for a new code.
 */
function PairingQr({ api, role, channel }: { api: Api; role: Role; channel: string }) {
  const [qr, setQr] = useState<{ qr: string; expiresAt?: string }>();
  const [now, setNow] = useState(() => Date.now());
  const { run, line } = useAction();
  useEffect(() => {
    let stop = false;
    const poll = async () => {
      const next = await api
        .get<{ qr: string; expiresAt?: string }>(`/admin/channels/${encodeURIComponent(channel)}/qr`)
        .catch(() => undefined);
      if (!stop) {
        setQr(next);
        setNow(Date.now());
      }
    };
    void poll();
    const timer = setInterval(poll, 1000);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [channel]);
  const secondsLeft = qr?.expiresAt ? Math.max(0, Math.round((Date.parse(qr.expiresAt) - now) / 1000)) : undefined;
  return (
    <section className="card">
      <h3>{channel} pairing</h3>
      {qr ? (
        <>
          <img src={qr.qr} alt={`${channel} pairing QR code`} width={240} height={240} />
          <p className="qr-expiry" role="status">
            Scan with WhatsApp → Linked devices.
            {secondsLeft !== undefined &&
              (secondsLeft > 0 ? ` Expires in ${secondsLeft} s; a new code follows.` : ' Expired: a new code follows.')}
          </p>
        </>
      ) : (
        <p>No QR code pending: the channel is paired or not asking.</p>
      )}
      <Guarded role={role} needed="operator">
        {(disabled, title) => (
          <button
            type="button"
            disabled={disabled}
            title={title}
            onClick={() =>
              run(`Re-pair ${channel}`, () => api.call('POST', `/admin/channels/${encodeURIComponent(channel)}/repair`))
            }
          >
            Re-pair (unlink this device)
          </button>
        )}
      </Guarded>
      {line}
    </section>
  );
}

export function Models({ api, role, onUnauthorized }: ScreenProps) {
  const models = useLoad<ModelsAnswer>(api, '/admin/models', onUnauthorized);
  const { run, line } = useAction(models.reload);
  const [form, setForm] = useState({ id: '', provider: 'openai', model: '', baseUrl: '', apiKey: '' });
  const [tests, setTests] = useState<Record<string, string>>({});
  const test = async (id: string) => {
    setTests((t) => ({ ...t, [id]: 'testing…' }));
    const r = await api
      .call<{ ok: boolean; latencyMs: number; text?: string; error?: string }>(
        'POST',
        `/admin/models/${encodeURIComponent(id)}/test`,
      )
      .catch((err: Error) => ({ ok: false, latencyMs: 0, error: err.message, text: undefined }));
    setTests((t) => ({
      ...t,
      [id]: r.ok ? `answered in ${r.latencyMs} ms: “${r.text ?? ''}”` : `failed: ${r.error ?? 'no answer'}`,
    }));
  };
  const add = (e: FormEvent) => {
    e.preventDefault();
    const { id, apiKey, baseUrl, ...rest } = form;
    void run(`Add ${id}`, () =>
      api.call('PUT', `/admin/models/${encodeURIComponent(id)}`, {
        ...rest,
        ...(baseUrl ? { baseUrl } : {}),
        ...(apiKey ? { apiKey } : {}),
      }),
    );
  };
  return (
    <>
      <Failure error={models.error} />
      {line}
      <table>
        <thead>
          <tr>
            <th>Model</th>
            <th>Provider</th>
            <th>Upstream name</th>
            <th>Default</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {models.data?.models.map((m) => (
            <tr key={m.id} data-model={m.id}>
              <td>{m.id}</td>
              <td>{m.provider}</td>
              <td>{m.model ?? ''}</td>
              <td>{m.id === models.data?.default ? 'default' : ''}</td>
              <td>
                <Guarded role={role} needed="operator">
                  {(disabled, title) => (
                    <>
                      <button
                        type="button"
                        disabled={disabled || m.id === models.data?.default}
                        title={title}
                        onClick={() =>
                          run(`Make ${m.id} default`, () => api.call('PUT', '/admin/models/default', { model: m.id }))
                        }
                      >
                        Make default
                      </button>{' '}
                      <button
                        type="button"
                        disabled={disabled}
                        title={title}
                        onClick={() =>
                          run(`Remove ${m.id}`, () => api.call('DELETE', `/admin/models/${encodeURIComponent(m.id)}`))
                        }
                      >
                        Remove
                      </button>{' '}
                      <button type="button" disabled={disabled} title={title} onClick={() => void test(m.id)}>
                        Test
                      </button>
                      {tests[m.id] && (
                        <span className="model-test" role="status">
                          {' '}
                          {tests[m.id]}
                        </span>
                      )}
                    </>
                  )}
                </Guarded>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Guarded role={role} needed="operator">
        {(disabled, title) => (
          <form className="inline" onSubmit={add} aria-label="Add a model">
            <h3>Add or replace a model</h3>
            <fieldset disabled={disabled} title={title}>
              {(['id', 'model', 'baseUrl'] as const).map((k) => (
                <label key={k}>
                  {{ id: 'Id', model: 'Upstream model', baseUrl: 'Base URL' }[k]}
                  <input
                    value={form[k]}
                    required={k !== 'baseUrl'}
                    onChange={(e) => setForm({ ...form, [k]: e.target.value })}
                  />
                </label>
              ))}
              <label>
                Provider
                <select value={form.provider} onChange={(e) => setForm({ ...form, provider: e.target.value })}>
                  {['openai', 'anthropic', 'ollama', 'llamacpp'].map((p) => (
                    <option key={p}>{p}</option>
                  ))}
                </select>
              </label>
              <label>
                API key (stored encrypted)
                <input
                  type="password"
                  value={form.apiKey}
                  onChange={(e) => setForm({ ...form, apiKey: e.target.value })}
                />
              </label>
              <button type="submit">Save model</button>
            </fieldset>
          </form>
        )}
      </Guarded>
      <AgentModels api={api} role={role} onUnauthorized={onUnauthorized} models={models.data} />
    </>
  );
}

/** Each agent's model, switched live (kept across restarts until hearth.yml's `agents.<id>.model` is edited). */
function AgentModels({ api, role, onUnauthorized, models }: ScreenProps & { models?: ModelsAnswer }) {
  const agents = useLoad<{ agents: AgentInfo[] }>(api, '/admin/agents', onUnauthorized);
  const { run, line } = useAction(agents.reload);
  return (
    <section aria-label="Agents">
      <h3>Agents</h3>
      <Failure error={agents.error} />
      {line}
      <table>
        <thead>
          <tr>
            <th>Agent</th>
            <th>Model</th>
            <th>From</th>
          </tr>
        </thead>
        <tbody>
          {agents.data?.agents.map((a) => (
            <tr key={a.id} data-agent={a.id}>
              <td>{a.id}</td>
              <td>
                <Guarded role={role} needed="operator">
                  {(disabled, title) => (
                    <select
                      aria-label={`Model of agent ${a.id}`}
                      disabled={disabled}
                      title={title}
                      value={a.model ?? ''}
                      onChange={(e) =>
                        run(`Switch ${a.id} to ${e.target.value}`, () =>
                          api.call('PUT', `/admin/agents/${encodeURIComponent(a.id)}/model`, { model: e.target.value }),
                        )
                      }
                    >
                      {!a.model && <option value="">(none)</option>}
                      {models?.models.map((m) => (
                        <option key={m.id} value={m.id}>
                          {m.id}
                        </option>
                      ))}
                    </select>
                  )}
                </Guarded>
                {!allows(role, 'operator') && (
                  <small className="reason"> Needs the operator role (you are {role})</small>
                )}
              </td>
              <td data-testid={`model-source-${a.id}`}>{MODEL_SOURCE[a.modelSource]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Which skills each agent may use, toggled per agent (kept until hearth.yml's `agents.<id>.skills` is edited). */
function AgentSkills({ api, onUnauthorized, skills }: ScreenProps & { skills: SkillInfo[] }) {
  const agents = useLoad<{ agents: AgentInfo[] }>(api, '/admin/agents', onUnauthorized);
  const { run, line } = useAction(agents.reload);
  const allowed = (a: AgentInfo, skill: string) => a.skills.includes('*') || a.skills.includes(skill);
  return (
    <section aria-label="Skills per agent">
      <h3>Skills per agent</h3>
      <Failure error={agents.error} />
      {line}
      <table>
        <thead>
          <tr>
            <th>Agent</th>
            {skills.map((s) => (
              <th key={s.name}>{s.name}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {agents.data?.agents.map((a) => (
            <tr key={a.id} data-agent={a.id}>
              <td>{a.id}</td>
              {skills.map((s) => (
                <td key={s.name}>
                  <label>
                    <input
                      type="checkbox"
                      aria-label={`${s.name} for agent ${a.id}`}
                      checked={allowed(a, s.name)}
                      onChange={(e) =>
                        run(`${e.target.checked ? 'Enable' : 'Disable'} ${s.name} for ${a.id}`, () =>
                          api.call(
                            'PUT',
                            `/admin/agents/${encodeURIComponent(a.id)}/skills/${encodeURIComponent(s.name)}`,
                            { enabled: e.target.checked },
                          ),
                        )
                      }
                    />
                    {a.skillOverrides[s.name] !== undefined ? ' (admin)' : ''}
                  </label>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

interface SkillInfo {
  name: string;
  version: string;
  description: string;
  runtime: string;
  source: string;
  enabled: boolean;
  state: string;
  tools: string[];
}

export function Skills({ api, role, onUnauthorized }: ScreenProps) {
  const skills = useLoad<{ skills: SkillInfo[] }>(
    api,
    allows(role, 'operator') ? '/admin/skills' : undefined,
    onUnauthorized,
  );
  const { run, line } = useAction(skills.reload);
  const [file, setFile] = useState<File>();
  if (!allows(role, 'operator'))
    return (
      <p role="alert" className="error">
        Refused: the skill list needs the operator role (you are {role}).
      </p>
    );
  const upload = (e: FormEvent) => {
    e.preventDefault();
    if (!file) return;
    const body = new FormData();
    body.append('file', file);
    void run(`Upload ${file.name}`, () => api.call('POST', '/admin/skills', body));
  };
  return (
    <>
      <Failure error={skills.error} />
      {line}
      <form className="inline" onSubmit={upload} aria-label="Upload a skill">
        <label>
          Skill ZIP
          <input type="file" accept=".zip,application/zip" onChange={(e) => setFile(e.target.files?.[0])} />
        </label>
        <button type="submit" disabled={!file}>
          Upload
        </button>
      </form>
      <table>
        <thead>
          <tr>
            <th>Skill</th>
            <th>Version</th>
            <th>Runtime</th>
            <th>State</th>
            <th>Tools</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {skills.data?.skills.map((s) => (
            <tr key={s.name} data-skill={s.name}>
              <td title={s.description}>{s.name}</td>
              <td>{s.version}</td>
              <td>
                {s.runtime} ({s.source})
              </td>
              <td>{s.enabled ? s.state : 'disabled'}</td>
              <td>{s.tools.join(', ')}</td>
              <td>
                <button
                  type="button"
                  onClick={() =>
                    run(`${s.enabled ? 'Disable' : 'Enable'} ${s.name}`, () =>
                      api.call(
                        'POST',
                        `/admin/skills/${encodeURIComponent(s.name)}/${s.enabled ? 'disable' : 'enable'}`,
                      ),
                    )
                  }
                >
                  {s.enabled ? 'Disable' : 'Enable'}
                </button>{' '}
                {s.source === 'uploaded' && (
                  <button
                    type="button"
                    onClick={() =>
                      run(`Remove ${s.name}`, () => api.call('DELETE', `/admin/skills/${encodeURIComponent(s.name)}`))
                    }
                  >
                    Remove
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {skills.data && <AgentSkills api={api} role={role} onUnauthorized={onUnauthorized} skills={skills.data.skills} />}
    </>
  );
}

interface StoredMessage {
  id: string;
  role: string;
  content: string;
  author: string;
  createdAt: number;
  attachments: Array<{ kind?: string; name?: string; mimeType?: string }>;
}

export function Conversations({ api, role, onUnauthorized }: ScreenProps) {
  const [filter, setFilter] = useState({ user: '', channel: '', text: '' });
  const [query, setQuery] = useState('');
  const list = useLoad<{ conversations: Conversation[] }>(
    api,
    `/admin/conversations?limit=200${query}`,
    onUnauthorized,
  );
  const [open, setOpen] = useState<string>();
  const thread = useLoad<{ conversation: Conversation; messages: StoredMessage[] }>(
    api,
    open && `/admin/conversations/${encodeURIComponent(open)}/messages`,
    onUnauthorized,
  );
  const { run, line } = useAction(list.reload);
  const search = (e: FormEvent) => {
    e.preventDefault();
    const q = new URLSearchParams();
    if (filter.user) q.set('user', filter.user);
    if (filter.channel) q.set('channel', filter.channel);
    setQuery(q.size ? `&${q}` : '');
  };
  const shown = (list.data?.conversations ?? []).filter(
    (c) => !filter.text || `${c.id} ${c.userId} ${c.chatId}`.includes(filter.text),
  );
  return (
    <>
      <Failure error={list.error} />
      {line}
      <form className="inline" onSubmit={search} aria-label="Search conversations">
        <label>
          User
          <input value={filter.user} onChange={(e) => setFilter({ ...filter, user: e.target.value })} />
        </label>
        <label>
          Channel
          <input value={filter.channel} onChange={(e) => setFilter({ ...filter, channel: e.target.value })} />
        </label>
        <label>
          Text in id, user or chat
          <input value={filter.text} onChange={(e) => setFilter({ ...filter, text: e.target.value })} />
        </label>
        <button type="submit">Search</button>
      </form>
      <div className="split">
        <ul className="inbox" aria-label="Inbox">
          {shown.map((c) => (
            <li key={c.id}>
              <button type="button" className="conv" aria-pressed={c.id === open} onClick={() => setOpen(c.id)}>
                <span className="badge">{c.channel}</span> {c.userId}
                <small>{when(c.updatedAt)}</small>
              </button>
            </li>
          ))}
          {shown.length === 0 && <li>No conversations.</li>}
        </ul>
        <section className="thread" aria-label="Thread">
          <Failure error={thread.error} />
          {thread.data && (
            <>
              <p>
                {thread.data.conversation.channel} · chat {thread.data.conversation.chatId} · agent{' '}
                {thread.data.conversation.agent}{' '}
                <Guarded role={role} needed="admin">
                  {(disabled, title) => (
                    <>
                      <a
                        className={disabled ? 'disabled' : ''}
                        title={title}
                        href={disabled ? undefined : '#'}
                        onClick={(e) => {
                          e.preventDefault();
                          if (!disabled) void exportUser(api, thread.data!.conversation.userId);
                        }}
                      >
                        Export user
                      </a>{' '}
                      <button
                        type="button"
                        disabled={disabled}
                        title={title}
                        onClick={() =>
                          run(`Delete ${thread.data!.conversation.userId}`, async () => {
                            await api.call(
                              'DELETE',
                              `/admin/users/${encodeURIComponent(thread.data!.conversation.userId)}`,
                            );
                            setOpen(undefined);
                          })
                        }
                      >
                        Delete user data
                      </button>
                    </>
                  )}
                </Guarded>
              </p>
              <ol className="messages">
                {thread.data.messages.map((m) => (
                  <li key={m.id} className={`msg ${m.role}`}>
                    <small>
                      {m.role} · {m.author} · {when(m.createdAt)}
                    </small>
                    <p>{m.content}</p>
                    {m.attachments.length > 0 && (
                      <p className="attachments">
                        Attachments: {m.attachments.map((a) => a.name ?? a.mimeType ?? a.kind).join(', ')}
                      </p>
                    )}
                  </li>
                ))}
              </ol>
              <TakeoverReply
                api={api}
                role={role}
                conversationId={thread.data.conversation.id}
                channel={thread.data.conversation.channel}
                onSent={() => void thread.reload()}
              />
            </>
          )}
          {!open && <p>Open a conversation to read it.</p>}
        </section>
      </div>
    </>
  );
}

async function exportUser(api: Api, userId: string) {
  const data = await api.get<unknown>(`/admin/users/${encodeURIComponent(userId)}/export`);
  const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: `hearth-user-${userId}.json` });
  a.click();
  URL.revokeObjectURL(url);
}

export function Knowledge({ api, role, onUnauthorized }: ScreenProps) {
  const collections = useLoad<{ collections: Array<{ name: string; documents?: number } | string> }>(
    api,
    '/admin/knowledge',
    onUnauthorized,
  );
  const [collection, setCollection] = useState('');
  const docs = useLoad<{
    documents: Array<{ id: string; title?: string; fileName?: string; status: string; error?: { message: string } }>;
  }>(api, collection ? `/admin/knowledge/${encodeURIComponent(collection)}/documents` : undefined, onUnauthorized);
  const { run, line } = useAction(() => Promise.all([collections.reload(), docs.reload()]));
  const indexing = docs.data?.documents.some((d) => d.status === 'indexing') ?? false;
  useEffect(() => {
    // A document is read and indexed after the upload answers: follow it until it settles.
    if (!indexing) return;
    const timer = setInterval(() => void docs.reload(), 1000);
    return () => clearInterval(timer);
  }, [indexing, docs.reload]);
  const [files, setFiles] = useState<FileList | null>(null);
  const [q, setQ] = useState('');
  const [results, setResults] =
    useState<Array<{ documentId: string; title: string; section?: string; text: string; score: number }>>();
  const names = (collections.data?.collections ?? []).map((c) => (typeof c === 'string' ? c : c.name));
  const upload = (e: FormEvent) => {
    e.preventDefault();
    if (!files?.length || !collection) return;
    const body = new FormData();
    for (const f of files) body.append('file', f);
    void run(`Upload to ${collection}`, () =>
      api.call('POST', `/admin/knowledge/${encodeURIComponent(collection)}/documents`, body),
    );
  };
  const search = async (e: FormEvent) => {
    e.preventDefault();
    const r = await api
      .get<{ results: typeof results }>(
        `/admin/knowledge/${encodeURIComponent(collection)}/search?q=${encodeURIComponent(q)}`,
      )
      .catch((err: Error) => {
        void run('Search', () => Promise.reject(err));
        return undefined;
      });
    setResults(r?.results ?? []);
  };
  return (
    <>
      <Failure error={collections.error} />
      {line}
      <label>
        Collection
        <input
          list="collections"
          value={collection}
          onChange={(e) => setCollection(e.target.value)}
          placeholder="handbook"
        />
        <datalist id="collections">
          {names.map((n) => (
            <option key={n} value={n} />
          ))}
        </datalist>
      </label>
      <p>Collections: {names.length ? names.join(', ') : 'none yet'}</p>
      <Guarded role={role} needed="operator">
        {(disabled, title) => (
          <form className="inline" onSubmit={upload} aria-label="Upload documents">
            <fieldset disabled={disabled || !collection} title={title}>
              <label>
                Documents
                <input type="file" multiple onChange={(e) => setFiles(e.target.files)} />
              </label>
              <button type="submit">Upload documents</button>
            </fieldset>
          </form>
        )}
      </Guarded>
      {collection && (
        <>
          <table>
            <thead>
              <tr>
                <th>Document</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {docs.data?.documents.map((d) => (
                <tr key={d.id} data-document={d.fileName ?? d.id}>
                  <td>{d.title ?? d.fileName ?? d.id}</td>
                  <td className="status">
                    {d.status}
                    {d.error ? `: ${d.error.message}` : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="button" onClick={() => void docs.reload()}>
            Refresh status
          </button>
          <form className="inline" onSubmit={search} aria-label="Search the collection">
            <label>
              Question
              <input value={q} onChange={(e) => setQ(e.target.value)} />
            </label>
            <button type="submit">Search</button>
          </form>
          <ol>
            {results?.map((r, i) => (
              <li key={i}>
                <strong>{r.title}</strong>
                {r.section ? ` — ${r.section}` : ''} ({r.score.toFixed(2)}): {r.text}
              </li>
            ))}
          </ol>
        </>
      )}
    </>
  );
}

interface AuditRow {
  seq: number;
  ts: number;
  actor: string;
  action: string;
  target: string;
  ip: string;
  result: string;
}

export function Audit({ api, onUnauthorized }: ScreenProps) {
  const PAGE = 50;
  const [filter, setFilter] = useState({ actor: '', action: '' });
  const [applied, setApplied] = useState(filter);
  const [page, setPage] = useState(0);
  const q = new URLSearchParams({ limit: String(PAGE), offset: String(page * PAGE) });
  if (applied.actor) q.set('actor', applied.actor);
  if (applied.action) q.set('action', applied.action);
  const rows = useLoad<{ rows: AuditRow[]; total: number }>(api, `/admin/audit?${q}`, onUnauthorized);
  const verify = useLoad<{ ok: boolean; rows: number; problems: Array<{ seq: number; message: string }> }>(
    api,
    '/admin/audit/verify',
    onUnauthorized,
  );
  const total = rows.data?.total ?? 0;
  const download = () => {
    const text = (rows.data?.rows ?? []).map((r) => JSON.stringify(r)).join('\n');
    const url = URL.createObjectURL(new Blob([text], { type: 'application/x-ndjson' }));
    Object.assign(document.createElement('a'), { href: url, download: 'hearth-audit.jsonl' }).click();
    URL.revokeObjectURL(url);
  };
  return (
    <>
      <Failure error={rows.error || verify.error} />
      <p data-testid="chain" className={verify.data?.ok ? 'ok' : 'error'}>
        {verify.data
          ? verify.data.ok
            ? `Chain verified: ${verify.data.rows} rows intact`
            : `Chain broken: ${verify.data.problems.map((p) => `#${p.seq} ${p.message}`).join('; ')}`
          : 'Verifying…'}
      </p>
      <form
        className="inline"
        aria-label="Filter the audit log"
        onSubmit={(e) => {
          e.preventDefault();
          setPage(0);
          setApplied(filter);
        }}
      >
        <label>
          Actor
          <input value={filter.actor} onChange={(e) => setFilter({ ...filter, actor: e.target.value })} />
        </label>
        <label>
          Action
          <input value={filter.action} onChange={(e) => setFilter({ ...filter, action: e.target.value })} />
        </label>
        <button type="submit">Filter</button>
        <button type="button" onClick={download}>
          Export page
        </button>
      </form>
      <table>
        <thead>
          <tr>
            <th>#</th>
            <th>When</th>
            <th>Actor</th>
            <th>Action</th>
            <th>Target</th>
            <th>Result</th>
          </tr>
        </thead>
        <tbody>
          {rows.data?.rows.map((r) => (
            <tr key={r.seq}>
              <td>{r.seq}</td>
              <td>{when(r.ts)}</td>
              <td>{r.actor}</td>
              <td>{r.action}</td>
              <td>{r.target}</td>
              <td>{r.result}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
          Newer
        </button>{' '}
        {total ? `${page * PAGE + 1}–${Math.min(total, (page + 1) * PAGE)} of ${total}` : 'no rows'}{' '}
        <button type="button" disabled={(page + 1) * PAGE >= total} onClick={() => setPage(page + 1)}>
          Older
        </button>
      </p>
    </>
  );
}

export function Settings({ api, role, onUnauthorized }: ScreenProps) {
  const me = useLoad<{ id: string; role: string; via: string; scopes?: string[] }>(api, '/auth/me', onUnauthorized);
  const tokens = useLoad<{
    tokens: Array<{ id: string; name: string; role: string; createdAt?: number; expiresAt?: number }>;
  }>(api, allows(role, 'admin') ? '/admin/tokens' : undefined, onUnauthorized);
  const { run, line } = useAction(tokens.reload);
  const [name, setName] = useState('');
  const [tokenRole, setTokenRole] = useState<Role>('viewer');
  const [issued, setIssued] = useState('');
  return (
    <>
      <Failure error={me.error} />
      {line}
      <section className="card">
        <h3>Signed in</h3>
        <p>
          {me.data?.id} · role {me.data?.role} · via {me.data?.via}
        </p>
      </section>
      <section className="card">
        <h3>API tokens</h3>
        {!allows(role, 'admin') ? (
          <p>Managing tokens needs the admin role (you are {role}).</p>
        ) : (
          <>
            <ul className="rows">
              {tokens.data?.tokens.map((t) => (
                <li key={t.id}>
                  {t.name} · {t.role}{' '}
                  <button
                    type="button"
                    onClick={() =>
                      run(`Revoke ${t.name}`, () => api.call('DELETE', `/admin/tokens/${encodeURIComponent(t.id)}`))
                    }
                  >
                    Revoke
                  </button>
                </li>
              ))}
            </ul>
            <form
              className="inline"
              aria-label="Issue a token"
              onSubmit={(e) => {
                e.preventDefault();
                void run(`Issue ${name}`, async () =>
                  setIssued(
                    (await api.call<{ token: string }>('POST', '/admin/tokens', { name, role: tokenRole })).token,
                  ),
                );
              }}
            >
              <label>
                Name
                <input value={name} onChange={(e) => setName(e.target.value)} required />
              </label>
              <label>
                Role
                <select value={tokenRole} onChange={(e) => setTokenRole(e.target.value as Role)}>
                  <option>viewer</option>
                  <option>operator</option>
                  <option>admin</option>
                </select>
              </label>
              <button type="submit">Issue token</button>
            </form>
            {issued && (
              <p className="ok">
                New token (shown once): <code>{issued}</code>
              </p>
            )}
          </>
        )}
      </section>
      <EffectiveSettings api={api} onUnauthorized={onUnauthorized} />
    </>
  );
}

interface SettingRow {
  key: string;
  value: unknown;
  source: 'default' | 'file' | 'environment' | 'admin';
  env?: string;
  locked: boolean;
}

/** The effective configuration, each value with where it comes from; environment values are read-only here. */
function EffectiveSettings({ api, onUnauthorized }: Pick<ScreenProps, 'api' | 'onUnauthorized'>) {
  const settings = useLoad<{
    file: string | null;
    settings: SettingRow[];
    rejected?: { at: string; problems: string[] };
  }>(api, '/admin/settings', onUnauthorized);
  const rejected = settings.data?.rejected;
  const [filter, setFilter] = useState('');
  const rows = (settings.data?.settings ?? []).filter((s) => !filter || s.key.includes(filter));
  return (
    <section className="card">
      <h3>Effective configuration</h3>
      <Failure error={settings.error} />
      <p>Config file: {settings.data?.file ?? 'none (defaults and environment only)'}</p>
      {rejected && (
        <div role="alert" className="error config-rejected">
          <p>
            The last edit of the config file was refused at {new Date(rejected.at).toLocaleString()}; Hearth keeps
            running with the values below:
          </p>
          <ul>
            {rejected.problems.map((p) => (
              <li key={p}>
                <code>{p}</code>
              </li>
            ))}
          </ul>
        </div>
      )}
      <label>
        Filter keys
        <input value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="models." />
      </label>
      <table aria-label="Effective configuration">
        <thead>
          <tr>
            <th>Key</th>
            <th>Value</th>
            <th>Source</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((s) => (
            <tr key={s.key} data-key={s.key}>
              <td>
                <code>{s.key}</code>
              </td>
              <td>
                <code>{JSON.stringify(s.value) ?? ''}</code>
              </td>
              <td className="source">
                {s.source === 'environment'
                  ? `environment (${s.env}, read-only)`
                  : s.source === 'admin'
                    ? 'admin change'
                    : s.source}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Human takeover: an operator's answer, sent on the conversation's channel. */
function TakeoverReply({
  api,
  role,
  conversationId,
  channel,
  onSent,
}: {
  api: Api;
  role: Role;
  conversationId: string;
  channel: string;
  onSent(): void;
}) {
  const [text, setText] = useState('');
  const { run, line } = useAction(onSent);
  return (
    <Guarded role={role} needed="operator">
      {(disabled, title) => (
        <form
          className="inline"
          aria-label="Answer as a person"
          onSubmit={(e) => {
            e.preventDefault();
            void run(`Answer on ${channel}`, async () => {
              await api.call('POST', `/admin/conversations/${encodeURIComponent(conversationId)}/reply`, { text });
              setText('');
            });
          }}
        >
          <fieldset disabled={disabled} title={title}>
            <label>
              Your answer (sent on {channel})
              <input value={text} onChange={(e) => setText(e.target.value)} required />
            </label>
            <button type="submit">Send answer</button>
          </fieldset>
          {line}
        </form>
      )}
    </Guarded>
  );
}
