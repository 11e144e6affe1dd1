/**
 * Probes and metrics: `/healthz` (the process is alive), `/readyz` (it can serve: stores open, not
 * draining; channel states in the body, a connecting channel does not fail it) and Prometheus
 * `/metrics`. Mounted in every role.
 */
import type { GatewayDeps, GatewayPlugin } from '../plugin.js';
import { mediaResponse, openObject } from '../route-schema.js';

/** Skills that hold a connection of their own, whose state /readyz shows. */
const connectionSkills = new Set(['mqtt']);

const readyResponse = openObject(
  {
    status: { type: 'string', enum: ['ready', 'draining'] },
    model: { type: ['string', 'null'] },
    channels: openObject(),
  },
  ['status', 'model', 'channels'],
);

export const healthPlugin: GatewayPlugin<
  Pick<GatewayDeps, 'metrics' | 'channels' | 'draining' | 'models' | 'skills'>
> = async (app, deps) => {
  app.get(
    '/healthz',
    { schema: { response: { 200: openObject({ status: { type: 'string', const: 'ok' } }, ['status']) } } },
    async () => ({ status: 'ok' }),
  );
  // Prometheus scrapes without credentials; keep /metrics off untrusted networks (security.ipAllowlist.admin covers it).
  const metricsSchema = {
    summary: 'Prometheus metrics',
    response: { 200: mediaResponse('Prometheus text exposition format', 'text/plain') },
  };
  app.get('/metrics', { schema: metricsSchema }, async (_req, reply) => {
    const registry = deps.metrics.registry;
    return reply.header('content-type', registry.contentType).send(await registry.metrics());
  });
  app.get('/readyz', { schema: { response: { 200: readyResponse, 503: readyResponse } } }, async (_req, reply) => {
    const channels = Object.fromEntries(deps.channels().map((c) => [c.name, c.status()]));
    // Mounted only once the stores are open, so serving is a matter of not draining.
    const ready = !deps.draining();
    reply.code(ready ? 200 : 503);
    // Connections a skill holds (the MQTT broker) are reported like channels: informative, never failing the probe.
    const connections = Object.fromEntries(
      (deps.skills?.list() ?? []).filter((s) => connectionSkills.has(s.name)).map((s) => [s.name, s.state]),
    );
    return {
      status: ready ? 'ready' : 'draining',
      model: deps.models.default ?? null,
      channels,
      ...(Object.keys(connections).length ? { skills: connections } : {}),
    };
  });
};
