/**
 * Log lines in the Elastic Common Schema, for Filebeat/Logstash → Elasticsearch → Kibana.
 *
 * The base comes from Elastic's own formatter for pino (`@elastic/ecs-pino-format`: `@timestamp`,
 * `log.level`, `message`, `ecs.version`, `service.name`). On top of it, Hearth's own fields move under one
 * namespace, `hearth.*` (dotted names, as the ECS fields are written; Elasticsearch expands them), because several of our names are ECS objects (`url`, `agent`, `user`, `error`…) and a
 * string where Elasticsearch expects an object makes it drop the whole line. The fields an operator
 * filters on are copied to their ECS homes as well: request id → `http.request.id`, channel →
 * `labels.channel`, processing time → `event.duration` (nanoseconds), error code → `error.code`, plus
 * the HTTP method, status and path and the error's type and message.
 */
import { ecsFormat } from '@elastic/ecs-pino-format';
import type { LoggerOptions } from 'pino';
import { activeSpan } from './active-span.js';

/** The namespace Hearth's own fields go under. */
export const HEARTH_NAMESPACE = 'hearth';

/** Pino options that write ECS lines; `mask` runs first on every record (secret masking). */
export function ecsLogOptions(mask: (obj: Record<string, unknown>) => Record<string, unknown>): LoggerOptions {
  const base = ecsFormat({ serviceName: 'hearth', convertErr: false, convertReqRes: false, apmIntegration: false });
  const ecsLog = base.formatters!.log!;
  return {
    ...base,
    // The trace a line belongs to, when tracing is on (no span is ever active when it is off).
    mixin() {
      const span = activeSpan();
      if (!span) return {};
      const { traceId, spanId } = span;
      return { 'trace.id': traceId, 'span.id': spanId };
    },
    formatters: {
      level: base.formatters!.level,
      // Child bindings (Fastify's `requestId`, a component name) get the same treatment as fields. The
      // Elastic formatter's own `bindings` is not used: once called it stops adding `ecs.version` to the
      // records, and a root logger without a `base` never passes bindings to it.
      bindings: (bindings) => toEcs(mask(bindings ?? {})),
      log: (obj) => toEcs(ecsLog(mask(obj))),
    },
  };
}

/** Splits a record into ECS fields (dotted names, kept as they are) and Hearth's own (namespaced). */
export function toEcs(obj: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!obj) return {};
  const out: Record<string, unknown> = {};
  const own: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    if (value === undefined) continue;
    if (key.includes('.') || key.startsWith('@')) out[key] = value;
    else own[key] = value;
  }
  for (const [key, value] of Object.entries(own)) out[`${HEARTH_NAMESPACE}.${key}`] = value;
  copyToEcs(own, out);
  return out;
}

function copyToEcs(own: Record<string, unknown>, out: Record<string, unknown>): void {
  const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const set = (key: string, value: unknown) => {
    if (value !== undefined && out[key] === undefined) out[key] = value;
  };
  set('http.request.id', str(own.requestId));
  set('labels.channel', str(own.channel));
  const ms = num(own.latencyMs);
  set('event.duration', ms === undefined ? undefined : Math.round(ms * 1e6));
  set('error.code', str(own.errorCode));
  set('http.request.method', str(own.method));
  set('http.response.status_code', num(own.statusCode));
  set('url.path', str(own.path));
  const err = own.err as { type?: unknown; message?: unknown; stack?: unknown } | undefined;
  if (err && typeof err === 'object') {
    set('error.type', str(err.type));
    set('error.message', str(err.message));
    set('error.stack_trace', str(err.stack));
  }
}
