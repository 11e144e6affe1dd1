/**
 * grammY's typings name the `abort-controller` polyfill's AbortSignal; at run time it takes
 * Node's own (node-fetch checks the shape), so the native signal is passed through this cast.
 */
export function grammySignal(
  signal: AbortSignal,
): import('grammy').Api['getMe'] extends (s?: infer S) => unknown ? NonNullable<S> : never {
  return signal as never;
}
