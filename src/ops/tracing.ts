/**
 * OpenTelemetry traces (off unless `tracing.endpoint` is set): one trace per inbound message, from
 * the channel's receive through the bus to the engine's turn, each model call (GenAI semantic
 * conventions: model, tokens) and each tool call, to the delivery of the answer. The trace context
 * rides in the bus message (`Message.trace`, `Outbound.trace`: a W3C `traceparent`), so a turn
 * crossing a gateway and an engine process is one trace. Spans go to an OTLP/HTTP collector.
 *
 * Everything here wraps the seams at the composition root (bus, model registry, tool host); with
 * tracing off nothing is wrapped and nothing is loaded.
 */
import type * as OtelApi from '@opentelemetry/api';
import type { Context, Span, SpanKind, Tracer } from '@opentelemetry/api';
import { setActiveSpanSource } from './active-span.js';
import type { Bus } from '../core/bus.js';
import type { Message, Outbound } from '../core/message.js';
import type { ModelProvider, StreamPart } from '../core/model-provider.js';
import type { ToolHost } from '../core/tools.js';

export interface TracingConfig {
  endpoint?: string;
  serviceName: string;
}

export interface Tracing {
  tracer: Tracer;
  shutdown(): Promise<void>;
}

/**
 * The OpenTelemetry API, loaded by `startTracing`: with tracing off (the default) it is never
 * loaded, and nothing below is called (the wrappers are applied only to a started tracer).
 */
let otel: typeof OtelApi;

/** Starts the OpenTelemetry SDK with an OTLP/HTTP exporter; undefined when tracing is off. */
export async function startTracing(config: TracingConfig, role: string): Promise<Tracing | undefined> {
  if (!config.endpoint) return undefined;
  const [api, { NodeSDK }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': config.serviceName, 'service.instance.role': role }),
    traceExporter: new OTLPTraceExporter({ url: config.endpoint }),
    instrumentations: [],
    // Only our spans: no metrics or logs pipelines, no resource detectors reaching out.
    metricReaders: [],
    logRecordProcessors: [],
    resourceDetectors: [],
  });
  sdk.start();
  otel = api;
  setActiveSpanSource(() => api.trace.getActiveSpan()?.spanContext());
  return { tracer: otel.trace.getTracer('hearth'), shutdown: () => sdk.shutdown() };
}

/** The active trace context as a `traceparent`, if there is one. */
function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  otel.propagation.inject(otel.context.active(), carrier);
  return carrier.traceparent;
}

function contextOf(traceparent: string | undefined) {
  return traceparent ? otel.propagation.extract(otel.context.active(), { traceparent }) : otel.context.active();
}

async function inSpan<T>(
  tracer: Tracer,
  name: string,
  options: { kind: SpanKind; attributes?: Record<string, string | number> },
  parent: Context,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, options, parent, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: otel.SpanStatusCode.ERROR, message: (err as Error)?.message });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** A channel's `receive`, as the root span of the message's trace. */
export function tracedReceive<R>(
  tracer: Tracer,
  channel: string,
  receive: (m: Message) => Promise<R>,
): (m: Message) => Promise<R> {
  return (m) =>
    inSpan(
      tracer,
      `receive ${channel}`,
      { kind: otel.SpanKind.SERVER, attributes: { 'messaging.destination.name': channel, 'hearth.message.id': m.id } },
      otel.context.active(),
      () => receive(m),
    );
}

/** The bus, carrying the trace context in its messages; the engine's turn and each delivery as spans. */
export function tracedBus(tracer: Tracer, bus: Bus): Bus {
  return new Proxy(bus, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'publishInbound')
        return (m: Message) => target.publishInbound({ ...m, trace: m.trace ?? currentTraceparent() });
      if (prop === 'publishOutbound')
        return (out: Outbound) => target.publishOutbound({ ...out, trace: out.trace ?? currentTraceparent() });
      if (prop === 'consumeInbound')
        return (handler: (m: Message) => Promise<void>) =>
          target.consumeInbound((m) =>
            inSpan(
              tracer,
              `turn ${m.channel}`,
              {
                kind: otel.SpanKind.CONSUMER,
                attributes: { 'hearth.message.id': m.id, 'hearth.agent': m.agent ?? 'default' },
              },
              contextOf(m.trace),
              () => handler(m),
            ),
          );
      if (prop === 'subscribeOutbound')
        return (channel: string, handler: (out: Outbound) => void | Promise<void>) =>
          target.subscribeOutbound(channel, (out) =>
            // One span per finished answer, not per streamed delta.
            out.event.type === 'done' || out.event.type === 'error'
              ? inSpan(
                  tracer,
                  `deliver ${channel}`,
                  { kind: otel.SpanKind.PRODUCER, attributes: { 'hearth.event': out.event.type } },
                  contextOf(out.trace),
                  async () => handler(out),
                )
              : handler(out),
          );
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** A provider whose every stream is a GenAI `chat {model}` client span with its token usage. */
export function tracedProvider(tracer: Tracer, provider: ModelProvider, catalogId: string): ModelProvider {
  return new Proxy(provider, {
    get(target, prop, receiver) {
      if (prop !== 'stream') {
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      }
      return (request: Parameters<ModelProvider['stream']>[0]): AsyncIterable<StreamPart> => ({
        [Symbol.asyncIterator]: () => {
          const span = tracer.startSpan(`chat ${request.model}`, {
            kind: otel.SpanKind.CLIENT,
            attributes: {
              'gen_ai.operation.name': 'chat',
              'gen_ai.provider.name': target.kind,
              'gen_ai.request.model': request.model,
              'hearth.model': catalogId,
            },
          });
          const inner = otel.context.with(otel.trace.setSpan(otel.context.active(), span), () =>
            target.stream(request)[Symbol.asyncIterator](),
          );
          let ended = false;
          const end = (err?: unknown) => {
            if (ended) return;
            ended = true;
            if (err) {
              span.recordException(err as Error);
              span.setStatus({ code: otel.SpanStatusCode.ERROR, message: (err as Error)?.message });
            }
            span.end();
          };
          return {
            async next() {
              try {
                const r = await inner.next();
                if (!r.done && r.value.type === 'finish') {
                  span.setAttributes({
                    'gen_ai.usage.input_tokens': r.value.usage.promptTokens,
                    'gen_ai.usage.output_tokens': r.value.usage.completionTokens,
                    'gen_ai.response.finish_reasons': [r.value.reason],
                  });
                }
                if (r.done) end();
                return r;
              } catch (err) {
                end(err);
                throw err;
              }
            },
            async return(value?: unknown) {
              end();
              return (await inner.return?.(value)) ?? { done: true, value: undefined };
            },
          } as AsyncIterator<StreamPart>;
        },
      });
    },
  });
}

/** A tool host whose every call is an `execute_tool {name}` span. */
export function tracedTools<T extends ToolHost>(tracer: Tracer, tools: T): T {
  return new Proxy(tools, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'execute')
        return (call: Parameters<ToolHost['execute']>[0], ctx: Parameters<ToolHost['execute']>[1]) =>
          inSpan(
            tracer,
            `execute_tool ${call.name}`,
            {
              kind: otel.SpanKind.INTERNAL,
              attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': call.name },
            },
            otel.context.active(),
            () => target.execute(call, ctx),
          );
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** A model registry whose leased providers are traced (`lease(id)` → a lease with a traced provider). */
export function tracedModels<T extends { lease(id: string): Promise<{ id: string; provider: ModelProvider }> }>(
  tracer: Tracer,
  models: T,
): T {
  return new Proxy(models, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'lease')
        return async (id: string) => {
          const lease = await target.lease(id);
          const provider = tracedProvider(tracer, lease.provider, lease.id);
          return new Proxy(lease, {
            get: (l, p, r) => (p === 'provider' ? provider : (Reflect.get(l, p, r) as unknown)),
          });
        };
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
