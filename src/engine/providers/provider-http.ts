/**
 * Plumbing the HTTP providers share: turning whatever an SDK throws into a `ProviderError`
 * the engine can act on (retry, fall back, give up), and reading Retry-After.
 *
 * The OpenAI and Anthropic SDKs throw `APIError`s carrying `status`, `headers` and, for errors
 * that arrive inside a stream, the vendor's error `type`; Ollama's client throws a
 * `ResponseError` with `status_code`. Everything else thrown while talking to the server is a
 * transport failure (refused connection, reset socket, truncated stream) and is worth a retry.
 */
import { ProviderError, isRetryableStatus } from '../../core/model-provider.js';

/** Error types vendors send inside a stream (no HTTP status) that mean "try again later". */
const retryableErrorTypes = new Set([
  'server_error', // OpenAI
  'api_error', // Anthropic
  'overloaded_error', // Anthropic (HTTP 529 when it is not mid-stream)
  'rate_limit_error', // Anthropic
  'timeout_error',
]);

/** Header lookup over a fetch `Headers` or a plain record, as SDK errors carry either. */
type HeaderSource = Headers | Record<string, string | string[] | undefined> | undefined | null;

function headerValue(headers: HeaderSource, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Seconds the server asked us to wait, from `retry-after-ms` (OpenAI sends it) or `Retry-After`
 * (delta-seconds or an HTTP date). Undefined when absent or unreadable.
 */
export function parseRetryAfter(headers: HeaderSource, now = Date.now()): number | undefined {
  const ms = headerValue(headers, 'retry-after-ms');
  if (ms !== undefined && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms)) / 1000;
  const value = headerValue(headers, 'retry-after');
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, (date - now) / 1000);
}

/** The fields SDK errors carry that we classify on; every one is optional. */
interface ErrorShape {
  status?: number;
  status_code?: number;
  headers?: HeaderSource;
  type?: string | null;
  error?: { type?: string; message?: string; error?: { type?: string; message?: string } } | string;
  message?: string;
}

/** The vendor's error `type` wherever the SDK put it (top level, `error.type` or `error.error.type`). */
function vendorErrorType(err: ErrorShape): string | undefined {
  if (typeof err.type === 'string') return err.type;
  if (err.error && typeof err.error === 'object') return err.error.type ?? err.error.error?.type;
  return undefined;
}

/**
 * What a provider throws for `err`. If the caller's signal fired, its reason (an AbortError or
 * TimeoutError) is returned instead, so the engine can tell "we gave up" from "the model failed".
 * A `ProviderError` passes through unchanged.
 */
export function toProviderError(err: unknown, signal?: AbortSignal, vendor = 'model server'): unknown {
  if (signal?.aborted) return abortReason(signal);
  if (err instanceof ProviderError) return err;
  const shape = (err ?? {}) as ErrorShape;
  const status =
    typeof shape.status === 'number'
      ? shape.status
      : typeof shape.status_code === 'number'
        ? shape.status_code
        : undefined;
  const message = `${vendor}: ${err instanceof Error ? err.message : String(err)}`;
  if (status !== undefined) {
    return new ProviderError(message, isRetryableStatus(status), status, parseRetryAfter(shape.headers));
  }
  const type = vendorErrorType(shape);
  if (type !== undefined) return new ProviderError(message, retryableErrorTypes.has(type));
  // No status and no vendor error type: the connection failed or broke off.
  return new ProviderError(message, true);
}

/** The error a provider throws when the caller aborted: the signal's own reason. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

/** A stream that ended without its terminating event: the connection was cut, so retry. */
export function truncatedStreamError(vendor: string): ProviderError {
  return new ProviderError(`${vendor}: the stream ended before the model finished`, true);
}
