/**
 * Token and cost budgets (`budgets.user.*`, `budgets.agent.<id>.*`). Before every model call the
 * engine reserves the call's maximum (the prompt's estimated tokens plus the most it may generate)
 * on each budget that applies; a reservation that would pass a limit is taken back and the turn is
 * refused before the model is called. After the call the reservation is settled with the usage the
 * provider reported. Counters live in the `SessionStore` and are incremented atomically (Redis
 * INCRBY with several replicas), so parallel turns can overshoot a limit by at most one call's
 * underestimate, never by the sum of their reservations.
 *
 * Periods are UTC days and months; a counter expires a day after its period ends.
 */
import type { BudgetLimits, HearthConfig } from '../core/config.js';
import type { SessionStore } from '../core/stores.js';

type Metric = 'tokens' | 'usd';
type Period = 'day' | 'month';

/** USD counters count micro-dollars (the store's counters are integers). */
const MICRO = 1_000_000;

const limitKeys: Array<{ key: keyof BudgetLimits; metric: Metric; period: Period }> = [
  { key: 'tokensPerDay', metric: 'tokens', period: 'day' },
  { key: 'tokensPerMonth', metric: 'tokens', period: 'month' },
  { key: 'usdPerDay', metric: 'usd', period: 'day' },
  { key: 'usdPerMonth', metric: 'usd', period: 'month' },
];

/** Who a call is for. */
export interface BudgetSubject {
  userId: string;
  agent: string;
}

/** One call's size: tokens, and USD when the model's price is known. */
export interface BudgetAmount {
  tokens: number;
  usd?: number;
}

interface Counter {
  /** The config key path that names this budget: `budgets.user.tokensPerDay`. */
  budget: string;
  key: string;
  metric: Metric;
  period: Period;
  /** In counter units (tokens, micro-USD). */
  limit: number;
  resetsAt: number;
  ttlMs: number;
}

/** What was reserved, to settle after the call. */
export interface Reservation {
  entries: Array<{ counter: Counter; amount: number }>;
}

export interface BudgetRefusal {
  budget: string;
  /** The limit in its own unit (tokens or USD). */
  limit: number;
  metric: Metric;
  period: Period;
  resetsAt: number;
}

/** One budget's state, for the admin API. */
export interface BudgetState {
  budget: string;
  metric: Metric;
  period: Period;
  limit: number;
  used: number;
  remaining: number;
  resetsAt: string;
}

export interface BudgetsDeps {
  sessions: SessionStore;
  config: () => Pick<HearthConfig, 'budgets'>;
  now?: () => number;
}

/** The start of the next UTC day or month after `t`. */
export function periodEnd(t: number, period: Period): number {
  const d = new Date(t);
  return period === 'day'
    ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1)
    : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

function periodId(t: number, period: Period): string {
  const iso = new Date(t).toISOString();
  return period === 'day' ? iso.slice(0, 10) : iso.slice(0, 7);
}

export class Budgets {
  constructor(private readonly deps: BudgetsDeps) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  /** Whether any budget is configured (no counters are kept otherwise). */
  active(): boolean {
    const b = this.deps.config().budgets;
    return (
      Object.values(b.user).some((v) => v !== undefined) ||
      Object.values(b.agent).some((l) => Object.values(l).some((v) => v !== undefined))
    );
  }

  /** The agent ids that have a budget of their own (`budgets.agent.<id>`). */
  budgetedAgents(): string[] {
    return Object.keys(this.deps.config().budgets.agent);
  }

  /** The counters that apply to a subject right now (its user's and its agent's, unless `only` narrows it). */
  private counters(s: BudgetSubject, only: { user: boolean; agent: boolean } = { user: true, agent: true }): Counter[] {
    const b = this.deps.config().budgets;
    const now = this.now();
    const scopes: Array<{ path: string; id: string; limits: BudgetLimits | undefined }> = [
      { path: 'budgets.user', id: `user:${s.userId}`, limits: b.user },
      {
        path: `budgets.agent.${s.agent}`,
        id: `agent:${s.agent}`,
        limits: Object.hasOwn(b.agent, s.agent) ? b.agent[s.agent] : undefined,
      },
    ];
    const out: Counter[] = [];
    for (const scope of scopes.filter((_, i) => (i === 0 ? only.user : only.agent))) {
      for (const l of limitKeys) {
        const limit = scope.limits?.[l.key];
        if (limit === undefined) continue;
        const resetsAt = periodEnd(now, l.period);
        out.push({
          budget: `${scope.path}.${l.key}`,
          key: `budget:${scope.id}:${l.metric}:${periodId(now, l.period)}`,
          metric: l.metric,
          period: l.period,
          limit: l.metric === 'usd' ? Math.round(limit * MICRO) : limit,
          resetsAt,
          ttlMs: resetsAt - now + 86_400_000,
        });
      }
    }
    return out;
  }

  private units(c: Counter, a: BudgetAmount): number {
    return c.metric === 'tokens' ? Math.max(0, Math.round(a.tokens)) : Math.max(0, Math.round((a.usd ?? 0) * MICRO));
  }

  /**
   * Reserves one call's maximum on every budget of the subject. Either all are reserved, or none
   * is and the first budget it would pass is returned.
   */
  async reserve(
    s: BudgetSubject,
    amount: BudgetAmount,
  ): Promise<{ reservation: Reservation } | { refused: BudgetRefusal }> {
    const reservation: Reservation = { entries: [] };
    for (const counter of this.counters(s)) {
      const units = this.units(counter, amount);
      const total = await this.deps.sessions.increment(counter.key, units, counter.ttlMs);
      reservation.entries.push({ counter, amount: units });
      if (total > counter.limit) {
        await this.release(reservation);
        const limit = counter.metric === 'usd' ? counter.limit / MICRO : counter.limit;
        return {
          refused: {
            budget: counter.budget,
            limit,
            metric: counter.metric,
            period: counter.period,
            resetsAt: counter.resetsAt,
          },
        };
      }
    }
    return { reservation };
  }

  /** Takes a reservation back entirely (the call never happened). */
  async release(r: Reservation): Promise<void> {
    for (const { counter, amount } of r.entries)
      if (amount) await this.deps.sessions.increment(counter.key, -amount, counter.ttlMs);
    r.entries = [];
  }

  /**
   * Replaces a reservation by what the call really used. Returns the budgets that crossed 80 % with
   * this call for the first time in their period (each is reported once per period).
   */
  async settle(r: Reservation, actual: BudgetAmount): Promise<BudgetState[]> {
    const warnings: BudgetState[] = [];
    for (const { counter, amount } of r.entries) {
      const used = this.units(counter, actual);
      const total = await this.deps.sessions.increment(counter.key, used - amount, counter.ttlMs);
      if (
        total >= counter.limit * 0.8 &&
        (await this.deps.sessions.setIfAbsent(`${counter.key}:warned`, true, counter.ttlMs))
      ) {
        warnings.push(this.state(counter, total));
      }
    }
    r.entries = [];
    return warnings;
  }

  /** Every budget of a subject with its use so far in the current period. */
  async states(s: BudgetSubject, only?: { user: boolean; agent: boolean }): Promise<BudgetState[]> {
    const out: BudgetState[] = [];
    for (const counter of this.counters(s, only))
      out.push(this.state(counter, (await this.deps.sessions.get<number>(counter.key)) ?? 0));
    return out;
  }

  private state(c: Counter, total: number): BudgetState {
    const scale = c.metric === 'usd' ? MICRO : 1;
    return {
      budget: c.budget,
      metric: c.metric,
      period: c.period,
      limit: c.limit / scale,
      used: total / scale,
      remaining: Math.max(0, c.limit - total) / scale,
      resetsAt: new Date(c.resetsAt).toISOString(),
    };
  }
}

/** Output tokens reserved for a call whose agent and model set no `maxTokens`. */
export const DEFAULT_RESERVED_OUTPUT = 1024;

/** The most one call can use: the prompt (and tool schemas) as estimated, plus the most it may generate. */
export function callMaximum(
  promptChars: number,
  maxTokens: number | undefined,
): { promptTokens: number; completionTokens: number } {
  return { promptTokens: Math.ceil(promptChars / 4), completionTokens: maxTokens ?? DEFAULT_RESERVED_OUTPUT };
}

/** The message a refused turn gets: which budget, and when it resets. */
export function refusalMessage(r: BudgetRefusal): string {
  const what = r.metric === 'tokens' ? `${r.limit.toLocaleString('en-US')} tokens` : `${r.limit.toFixed(2)} USD`;
  const per = r.period === 'day' ? 'daily' : 'monthly';
  const resets = new Date(r.resetsAt).toISOString().replace('T', ' ').slice(0, 16);
  return `This would pass the ${per} budget ${r.budget} (${what}), so it was not sent to the model. The budget resets at ${resets} UTC.`;
}

/** The notice once 80 % of a budget is used. */
export function warningMessage(w: BudgetState): string {
  const unit = w.metric === 'tokens' ? 'tokens' : 'USD';
  const per = w.period === 'day' ? 'daily' : 'monthly';
  const resets = w.resetsAt.replace('T', ' ').slice(0, 16);
  return `Note: ${Math.round((w.used / w.limit) * 100)} % of the ${per} budget ${w.budget} (${w.limit} ${unit}) is used; it resets at ${resets} UTC.`;
}
