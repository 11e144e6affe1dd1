/**
 * Usage and budgets for the console: `GET /admin/usage?user=&agent=&days=` (viewer) answers the
 * tokens and USD per UTC day, user, agent and model over the last `days` days (7 by default, at
 * most 366), and each budget with what is used and what remains in the current period: when a
 * user or an agent is named, its budgets; otherwise the user budget of every user with usage in
 * the window (the `MAX_USER_BUDGETS` with the most tokens) and the budget of every agent with usage
 * or a budget of its own. Each budget row names its subject (`userId` or `agent`).
 */
import type { BudgetState } from '../../engine/budgets.js';
import type { GatewayDeps, GatewayPlugin } from '../plugin.js';
import { openObject, responses } from '../route-schema.js';

const DAY_MS = 86_400_000;

/** Users whose budgets an unfiltered answer lists, most tokens first (each is one store read per budget). */
const MAX_USER_BUDGETS = 200;

function heaviestUsers(rows: Array<{ userId: string; promptTokens: number; completionTokens: number }>, n: number) {
  const tokens = new Map<string, number>();
  for (const r of rows) tokens.set(r.userId, (tokens.get(r.userId) ?? 0) + r.promptTokens + r.completionTokens);
  return [...tokens]
    .sort(([, a], [, b]) => b - a)
    .slice(0, n)
    .map(([id]) => id);
}

const budgetSchema = openObject(
  {
    budget: { type: 'string', description: 'The config key: budgets.user.tokensPerDay, budgets.agent.<id>.usdPerDay' },
    userId: { type: 'string', description: 'The user a user budget is counted for' },
    agent: { type: 'string', description: 'The agent an agent budget is counted for' },
    metric: { type: 'string', enum: ['tokens', 'usd'] },
    period: { type: 'string', enum: ['day', 'month'] },
    limit: { type: 'number' },
    used: { type: 'number' },
    remaining: { type: 'number' },
    resetsAt: { type: 'string', format: 'date-time' },
  },
  ['budget', 'metric', 'period', 'limit', 'used', 'remaining', 'resetsAt'],
);

export const usagePlugin: GatewayPlugin<Pick<GatewayDeps, 'stores' | 'budgets'>> = async (app, deps) => {
  app.get<{ Querystring: { user?: string; agent?: string; days?: number } }>(
    '/admin/usage',
    {
      schema: {
        summary: 'Tokens and USD per day, user, agent and model; what remains of each budget',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            user: { type: 'string', minLength: 1 },
            agent: { type: 'string', minLength: 1 },
            days: { type: 'integer', minimum: 1, maximum: 366, default: 7 },
          },
        },
        response: responses({
          200: openObject(
            { days: { type: 'array', items: openObject() }, budgets: { type: 'array', items: budgetSchema } },
            ['days', 'budgets'],
          ),
        }),
      },
    },
    async (req) => {
      const { user, agent, days = 7 } = req.query;
      const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
      const rows = await deps.stores.history.usageByDay({ userId: user, agent, since: today - (days - 1) * DAY_MS });
      if (user || agent) {
        const states = await deps.budgets.states(
          { userId: user ?? '', agent: agent ?? '' },
          { user: !!user, agent: !!agent },
        );
        const subject = (b: BudgetState) => (b.budget.startsWith('budgets.user.') ? { userId: user } : { agent });
        return { days: rows, budgets: states.map((b) => ({ ...b, ...subject(b) })) };
      }
      const budgets: Array<BudgetState & { userId?: string; agent?: string }> = [];
      for (const userId of heaviestUsers(rows, MAX_USER_BUDGETS))
        for (const b of await deps.budgets.states({ userId, agent: '' }, { user: true, agent: false }))
          budgets.push({ ...b, userId });
      for (const id of new Set([...rows.map((r) => r.agent), ...deps.budgets.budgetedAgents()]))
        for (const b of await deps.budgets.states({ userId: '', agent: id }, { user: false, agent: true }))
          budgets.push({ ...b, agent: id });
      return { days: rows, budgets };
    },
  );
};
