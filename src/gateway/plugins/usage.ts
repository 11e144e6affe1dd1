/**
 * Usage and budgets for the console: `GET /admin/usage?user=&agent=&days=` (viewer) answers the
 * tokens and USD per UTC day, user, agent and model over the last `days` days (7 by default, at
 * most 366), and — when a user or an agent is named — each of its budgets with what is used and
 * what remains in the current period.
 */
import type { GatewayDeps, GatewayPlugin } from '../plugin.js';
import { openObject, responses } from '../route-schema.js';

const DAY_MS = 86_400_000;

export const usagePlugin: GatewayPlugin<Pick<GatewayDeps, 'stores' | 'budgets'>> = async (app, deps) => {
  app.get<{ Querystring: { user?: string; agent?: string; days?: number } }>(
    '/admin/usage',
    {
      schema: {
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
            { days: { type: 'array', items: openObject() }, budgets: { type: 'array', items: openObject() } },
            ['days', 'budgets'],
          ),
        }),
      },
    },
    async (req) => {
      const { user, agent, days = 7 } = req.query;
      const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
      const rows = await deps.stores.history.usageByDay({ userId: user, agent, since: today - (days - 1) * DAY_MS });
      const budgets =
        user || agent
          ? await deps.budgets.states({ userId: user ?? '', agent: agent ?? '' }, { user: !!user, agent: !!agent })
          : [];
      return { days: rows, budgets };
    },
  );
};
