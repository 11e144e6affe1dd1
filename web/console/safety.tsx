/**
 * Agent safety and cost screens: Approvals (sensitive tool calls waiting for an answer, approved or
 * denied by an operator) and Usage (tokens and USD per user and agent, and what remains of each
 * budget), over `GET /admin/approvals`, `POST /admin/approvals/<id>/<decision>` and `GET /admin/usage`.
 */
import { useEffect, useState } from 'react';
import { Bars, usd } from './charts.js';
import { Failure, Guarded, useAction, useLoad, when, type ScreenProps } from './screens.js';

interface PendingApproval {
  id: string;
  conversationId: string;
  userId: string;
  agent: string;
  channel: string;
  tool: string;
  arguments: string;
  argumentsText: string;
  requestedAt: string;
  expiresAt: string;
}

/** "in 29 min", "in 40 s", "expired". */
function remaining(iso: string, now: number): string {
  const ms = Date.parse(iso) - now;
  if (ms <= 0) return 'expired';
  return ms >= 60_000 ? `in ${Math.round(ms / 60_000)} min` : `in ${Math.ceil(ms / 1000)} s`;
}

export function Approvals({ api, role, onUnauthorized }: ScreenProps) {
  const list = useLoad<{ approvals: PendingApproval[] }>(api, '/admin/approvals', onUnauthorized);
  const { run, line } = useAction(list.reload);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    // New requests arrive and old ones expire on their own: refresh while the screen is open.
    const timer = setInterval(() => {
      setNow(Date.now());
      void list.reload();
    }, 3000);
    return () => clearInterval(timer);
  }, [list.reload]);
  const pending = list.data?.approvals ?? [];
  return (
    <>
      <p className="hint">
        Sensitive tool calls wait here until someone answers: the user in the chat, or an operator here. An unanswered
        request is denied when it expires.
      </p>
      <Failure error={list.error} />
      {line}
      {list.data && pending.length === 0 && <p data-testid="no-approvals">Nothing is waiting for approval.</p>}
      {pending.length > 0 && (
        <table aria-label="Pending approvals">
          <thead>
            <tr>
              <th>Tool</th>
              <th>Arguments</th>
              <th>Who</th>
              <th>Conversation</th>
              <th>Expires</th>
              <th>Answer</th>
            </tr>
          </thead>
          <tbody>
            {pending.map((a) => (
              <tr key={a.id} data-approval={a.id}>
                <td>
                  <strong>{a.tool}</strong>
                  <br />
                  <small className="hint">agent {a.agent}</small>
                </td>
                <td className="args">{a.argumentsText}</td>
                <td>{a.userId}</td>
                <td>
                  <span className="badge">{a.channel}</span> <code>{a.conversationId}</code>
                </td>
                <td title={when(Date.parse(a.expiresAt))}>{remaining(a.expiresAt, now)}</td>
                <td>
                  <Guarded role={role} needed="operator">
                    {(disabled, title) => (
                      <span className="actions">
                        <button
                          type="button"
                          disabled={disabled}
                          title={title}
                          aria-label={`Approve ${a.tool} for ${a.userId}`}
                          onClick={() =>
                            run(`Approve ${a.tool}`, () =>
                              api.call('POST', `/admin/approvals/${encodeURIComponent(a.id)}/approve`),
                            )
                          }
                        >
                          Approve
                        </button>
                        <button
                          type="button"
                          disabled={disabled}
                          title={title}
                          aria-label={`Deny ${a.tool} for ${a.userId}`}
                          onClick={() =>
                            run(`Deny ${a.tool}`, () =>
                              api.call('POST', `/admin/approvals/${encodeURIComponent(a.id)}/deny`),
                            )
                          }
                        >
                          Deny
                        </button>
                        {title && <small className="hint reason">{title}</small>}
                      </span>
                    )}
                  </Guarded>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

interface UsageDay {
  day: string;
  userId: string;
  agent: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  turns: number;
}
interface BudgetState {
  budget: string;
  metric: 'tokens' | 'usd';
  period: 'day' | 'month';
  limit: number;
  used: number;
  remaining: number;
  resetsAt: string;
  userId?: string;
  agent?: string;
}

interface Totals {
  turns: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

function totalsBy(rows: UsageDay[], key: (r: UsageDay) => string): Array<[string, Totals]> {
  const out = new Map<string, Totals>();
  for (const r of rows) {
    const t = out.get(key(r)) ?? { turns: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 };
    t.turns += r.turns;
    t.promptTokens += r.promptTokens;
    t.completionTokens += r.completionTokens;
    t.costUsd += r.costUsd;
    out.set(key(r), t);
  }
  return [...out].sort(([, a], [, b]) => b.promptTokens + b.completionTokens - (a.promptTokens + a.completionTokens));
}

const amount = (v: number, metric: BudgetState['metric']) =>
  metric === 'usd' ? usd(v) : `${v.toLocaleString('en-US')} tokens`;

function TotalsTable({ label, rows }: { label: string; rows: Array<[string, Totals]> }) {
  return (
    <table aria-label={`Usage per ${label}`}>
      <thead>
        <tr>
          <th>{label === 'user' ? 'User' : 'Agent'}</th>
          <th>Turns</th>
          <th>Input tokens</th>
          <th>Output tokens</th>
          <th>Total tokens</th>
          <th>USD</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([name, t]) => (
          <tr key={name} data-subject={name}>
            <td>{name}</td>
            <td>{t.turns}</td>
            <td>{t.promptTokens.toLocaleString('en-US')}</td>
            <td>{t.completionTokens.toLocaleString('en-US')}</td>
            <td className="total-tokens">{(t.promptTokens + t.completionTokens).toLocaleString('en-US')}</td>
            <td className="usd">{usd(t.costUsd)}</td>
          </tr>
        ))}
        {rows.length === 0 && (
          <tr>
            <td colSpan={6}>No model calls in this period.</td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

export function Usage({ api, onUnauthorized }: ScreenProps) {
  const [days, setDays] = useState(7);
  const usage = useLoad<{ days: UsageDay[]; budgets: BudgetState[] }>(api, `/admin/usage?days=${days}`, onUnauthorized);
  const rows = usage.data?.days ?? [];
  const perUser = totalsBy(rows, (r) => r.userId);
  const perAgent = totalsBy(rows, (r) => r.agent);
  const budgets = usage.data?.budgets ?? [];
  return (
    <>
      <Failure error={usage.error} />
      <label>
        Period
        <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
          <option value={1}>today</option>
          <option value={7}>last 7 days</option>
          <option value={30}>last 30 days</option>
        </select>
      </label>
      <section className="card">
        <h3>Budgets</h3>
        {usage.data && budgets.length === 0 && <p>No budget is configured (budgets.user, budgets.agent.&lt;id&gt;).</p>}
        {budgets.length > 0 && (
          <table aria-label="Budgets">
            <thead>
              <tr>
                <th>Budget</th>
                <th>For</th>
                <th>Used</th>
                <th>Limit</th>
                <th>Remaining</th>
                <th>Resets</th>
              </tr>
            </thead>
            <tbody>
              {budgets.map((b) => {
                const who = b.userId !== undefined ? `user ${b.userId}` : `agent ${b.agent}`;
                const share = b.limit > 0 ? Math.min(1, b.used / b.limit) : 1;
                return (
                  <tr key={`${b.budget} ${who}`} data-budget={b.budget} data-for={who}>
                    <td>
                      <code>{b.budget}</code>
                    </td>
                    <td>{who}</td>
                    <td>
                      <meter
                        min={0}
                        max={1}
                        low={0.8}
                        high={0.8}
                        optimum={0}
                        value={share}
                        aria-label={`${Math.round(share * 100)} % of ${b.budget} used by ${who}`}
                      />{' '}
                      {amount(b.used, b.metric)}
                    </td>
                    <td>{amount(b.limit, b.metric)}</td>
                    <td className="remaining">{amount(b.remaining, b.metric)}</td>
                    <td>{when(Date.parse(b.resetsAt))}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
      <section className="card">
        <h3>Per user</h3>
        <TotalsTable label="user" rows={perUser} />
        <Bars
          title="Tokens per user"
          data={perUser.map(([n, t]) => [n, t.promptTokens + t.completionTokens])}
          unit="tokens"
        />
      </section>
      <section className="card">
        <h3>Per agent</h3>
        <TotalsTable label="agent" rows={perAgent} />
        <Bars title="USD per agent" data={perAgent.map(([n, t]) => [n, t.costUsd])} unit="USD" />
      </section>
    </>
  );
}
