/**
 * What a model call costs. A catalog entry's own `price` wins; otherwise the built-in table below
 * (public list prices in USD per million tokens, matched on the provider's model name); local
 * providers (Ollama, embedded GGUF) cost nothing. An unknown hosted model has no price: its calls
 * count against token budgets only.
 */
import type { ModelSpec } from '../core/config.js';
import type { Usage } from '../core/message.js';

export interface ModelPrice {
  inputPerMTok: number;
  outputPerMTok: number;
  /** Prompt tokens read from the provider's cache; the input price when absent. */
  cachedInputPerMTok?: number;
}

/** Longest matching prefix wins (`gpt-4o-mini` before `gpt-4o`). */
const builtinPrices: Record<string, ModelPrice> = {
  'gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6, cachedInputPerMTok: 0.075 },
  'gpt-4o': { inputPerMTok: 2.5, outputPerMTok: 10, cachedInputPerMTok: 1.25 },
  'gpt-4.1-nano': { inputPerMTok: 0.1, outputPerMTok: 0.4, cachedInputPerMTok: 0.025 },
  'gpt-4.1-mini': { inputPerMTok: 0.4, outputPerMTok: 1.6, cachedInputPerMTok: 0.1 },
  'gpt-4.1': { inputPerMTok: 2, outputPerMTok: 8, cachedInputPerMTok: 0.5 },
  'o4-mini': { inputPerMTok: 1.1, outputPerMTok: 4.4, cachedInputPerMTok: 0.275 },
  'claude-3-5-haiku': { inputPerMTok: 0.8, outputPerMTok: 4, cachedInputPerMTok: 0.08 },
  'claude-haiku-4': { inputPerMTok: 1, outputPerMTok: 5, cachedInputPerMTok: 0.1 },
  'claude-3-5-sonnet': { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3 },
  'claude-3-7-sonnet': { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3 },
  'claude-sonnet-4': { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3 },
  'claude-opus-4': { inputPerMTok: 15, outputPerMTok: 75, cachedInputPerMTok: 1.5 },
};

const FREE: ModelPrice = { inputPerMTok: 0, outputPerMTok: 0 };

/** The price of a model, or undefined when it is not known. */
export function priceOf(spec: Pick<ModelSpec, 'provider' | 'model' | 'price'> | undefined): ModelPrice | undefined {
  if (!spec) return undefined;
  if (spec.price) return spec.price;
  if (spec.provider === 'ollama' || spec.provider === 'embedded') return FREE;
  // Looked up once per catalog entry: this runs for every model call and every budget reservation.
  const known = builtinPriceOf.get(spec);
  if (known !== undefined) return known ?? undefined;
  const name = spec.model.toLowerCase().replace(/^.*\//, '');
  const match = Object.keys(builtinPrices)
    .filter((k) => name.startsWith(k))
    .sort((a, b) => b.length - a.length)[0];
  const price = match ? builtinPrices[match] : undefined;
  builtinPriceOf.set(spec, price ?? null);
  return price;
}

/** The built-in price found for each catalog entry (`null`: none), by the entry's object. */
const builtinPriceOf = new WeakMap<object, ModelPrice | null>();

/** USD of one call's usage at a price (cached prompt tokens at the cached price). */
export function costUsd(price: ModelPrice, usage: Usage): number {
  const cached = Math.min(usage.cachedPromptTokens ?? 0, usage.promptTokens);
  const fresh = usage.promptTokens - cached;
  return (
    (fresh * price.inputPerMTok +
      cached * (price.cachedInputPerMTok ?? price.inputPerMTok) +
      usage.completionTokens * price.outputPerMTok) /
    1e6
  );
}
