/**
 * `POST /admin/models/:id/test`: one tiny completion straight to that catalog entry's provider (no
 * fallback, no retries, its circuit breaker left alone), so an operator sees at once whether a model
 * just added or edited answers — with its latency, or the provider's error in words.
 */
import { ErrorCode, HearthError, errorSummary } from '../../../core/errors.js';
import type { GatewayDeps, GatewayPlugin } from '../../plugin.js';
import { openObject, responses } from '../../route-schema.js';

const PROMPT = 'Reply with the single word OK.';
const TIMEOUT_MS = 30_000;

export const modelCheckPlugin: GatewayPlugin<Pick<GatewayDeps, 'models'>> = async (app, { models }) => {
  app.post<{ Params: { id: string } }>(
    '/admin/models/:id/test',
    {
      config: { role: 'operator' },
      schema: {
        summary: 'Sends one short prompt to the model and reports whether and how fast it answered',
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' } },
        },
        response: responses({
          200: openObject(
            {
              model: { type: 'string' },
              ok: { type: 'boolean' },
              latencyMs: { type: 'integer' },
              text: { type: 'string', description: 'What the model answered (ok)' },
              error: { type: 'string', description: 'Why it did not answer (not ok)' },
            },
            ['model', 'ok', 'latencyMs'],
          ),
        }),
      },
    },
    async (req) => {
      const id = req.params.id;
      if (!models.has(id)) throw new HearthError(ErrorCode.unknownModel, `no model "${id}" in the catalog`, 404);
      const lease = await models.lease(id);
      const started = performance.now();
      const signal = AbortSignal.timeout(TIMEOUT_MS);
      let text = '';
      try {
        for await (const part of lease.provider.stream({
          model: lease.spec.model,
          messages: [{ role: 'user', content: PROMPT }],
          maxTokens: 16,
          signal,
        })) {
          if (part.type === 'text-delta') text += part.text;
        }
        const latencyMs = Math.round(performance.now() - started);
        req.log.info({ model: id, latencyMs }, 'model test answered');
        return { model: id, ok: true, latencyMs, text: text.trim().slice(0, 200) };
      } catch (err) {
        const latencyMs = Math.round(performance.now() - started);
        const reason = signal.aborted ? `no answer within ${TIMEOUT_MS / 1000} s` : errorSummary(err).message;
        req.log.warn({ model: id, latencyMs, errorCode: ErrorCode.modelFailed, reason }, 'model test failed');
        return { model: id, ok: false, latencyMs, error: reason };
      } finally {
        lease.release();
      }
    },
  );
};
