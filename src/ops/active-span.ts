/**
 * The span a log line belongs to, for the ECS `trace.id` / `span.id` fields. Tracing installs the
 * source when it starts (src/ops/tracing.ts); until then no span is ever active, and the log lines
 * need no OpenTelemetry API loaded.
 */
export interface ActiveSpanIds {
  traceId: string;
  spanId: string;
}

let source: () => ActiveSpanIds | undefined = () => undefined;

export function activeSpan(): ActiveSpanIds | undefined {
  return source();
}

export function setActiveSpanSource(fn: () => ActiveSpanIds | undefined): void {
  source = fn;
}
