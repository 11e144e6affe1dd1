/**
 * The live model catalog: which models exist, which is the default, and their provider instances.
 * Switching the default or replacing a model's spec takes effect for the next turn; a turn that
 * already holds a `ModelLease` finishes on the provider it started with, which is closed only
 * once its last lease is released.
 */
import type { Logger } from 'pino';
import type { ModelSpec, ProviderKind } from '../core/config.js';
import type { ModelProvider } from '../core/model-provider.js';
import { ErrorCode, HearthError } from '../core/errors.js';
import { CircuitBreaker } from './resilience.js';

export type ProviderFactory = (spec: ModelSpec, options: { dataDir: string }) => ModelProvider;

/** Providers are imported on first use so an API-only install never loads node-llama-cpp. */
const providerLoaders: Record<ProviderKind, () => Promise<ProviderFactory>> = {
  openai: async () => (await import('./providers/openai/index.js')).createProvider,
  anthropic: async () => (await import('./providers/anthropic/index.js')).createProvider,
  ollama: async () => (await import('./providers/ollama/index.js')).createProvider,
  embedded: async () => (await import('./providers/embedded/index.js')).createProvider as ProviderFactory,
};

interface Slot {
  spec: ModelSpec;
  provider?: ModelProvider;
  leases: number;
  retired: boolean;
  breaker: CircuitBreaker;
}

/** A model held for the duration of one call chain. Release it when the turn ends. */
export interface ModelLease {
  id: string;
  spec: ModelSpec;
  provider: ModelProvider;
  breaker: CircuitBreaker;
  release(): void;
}

export interface ModelInfo {
  id: string;
  provider: ProviderKind;
  model: string;
  baseUrl?: string;
  isDefault: boolean;
  breaker: string;
}

export class ModelRegistry {
  private slots = new Map<string, Slot>();
  private defaultId?: string;
  private fallbackIds: string[] = [];

  constructor(
    private readonly options: {
      dataDir: string;
      log: Logger;
      breaker: { failures: number; cooldownMs: number };
      /** Tests and benchmarks inject providers; production loads them by kind. */
      loadFactory?: (kind: ProviderKind) => Promise<ProviderFactory>;
    },
  ) {}

  /** Replaces the catalog (start and config reload). Unchanged specs keep their provider and breaker. */
  configure(catalog: Record<string, ModelSpec>, defaultId: string | undefined, fallback: string[]): void {
    const next = new Map<string, Slot>();
    for (const [id, spec] of Object.entries(catalog)) {
      const old = this.slots.get(id);
      if (old && JSON.stringify(old.spec) === JSON.stringify(spec)) next.set(id, old);
      else next.set(id, this.newSlot(spec));
    }
    for (const [id, old] of this.slots) if (next.get(id) !== old) this.retire(old);
    this.slots = next;
    this.defaultId = defaultId ?? (next.size === 1 ? [...next.keys()][0] : undefined);
    this.fallbackIds = fallback;
  }

  /** Adds or replaces one model at runtime (admin API). */
  put(id: string, spec: ModelSpec): void {
    const old = this.slots.get(id);
    if (old) this.retire(old);
    this.slots.set(id, this.newSlot(spec));
    if (!this.defaultId) this.defaultId = id;
  }

  setDefault(id: string): void {
    if (!this.slots.has(id)) throw new HearthError(ErrorCode.unknownModel, `no model "${id}" in the catalog`, 404);
    this.defaultId = id;
    this.options.log.info({ model: id }, 'default model switched');
  }

  get default(): string | undefined {
    return this.defaultId;
  }

  has(id: string): boolean {
    return this.slots.has(id);
  }

  list(): ModelInfo[] {
    return [...this.slots].map(([id, s]) => ({
      id,
      provider: s.spec.provider,
      model: s.spec.model,
      baseUrl: s.spec.baseUrl,
      isDefault: id === this.defaultId,
      breaker: s.breaker.state,
    }));
  }

  /** The ids to try for a turn: the agent's model (or the default), then the fallback chain. */
  chain(preferred?: string): string[] {
    const first = preferred ?? this.defaultId;
    const ids = first ? [first, ...this.fallbackIds] : [...this.fallbackIds];
    return [...new Set(ids)].filter((id) => this.slots.has(id));
  }

  /** Leases a model's provider, creating it on first use. */
  async lease(id: string): Promise<ModelLease> {
    const slot = this.slots.get(id);
    if (!slot) throw new HearthError(ErrorCode.unknownModel, `no model "${id}" in the catalog`, 404);
    slot.leases++;
    try {
      if (!slot.provider) {
        const factory = await (this.options.loadFactory ?? ((k) => providerLoaders[k]()))(slot.spec.provider);
        slot.provider ??= factory(slot.spec, { dataDir: this.options.dataDir });
      }
    } catch (err) {
      this.releaseSlot(slot);
      throw err;
    }
    let released = false;
    return {
      id,
      spec: slot.spec,
      provider: slot.provider,
      breaker: slot.breaker,
      release: () => {
        if (released) return;
        released = true;
        this.releaseSlot(slot);
      },
    };
  }

  async close(): Promise<void> {
    const all = [...this.slots.values()];
    this.slots.clear();
    await Promise.allSettled(all.map((s) => s.provider?.close?.()));
  }

  private newSlot(spec: ModelSpec): Slot {
    const { failures, cooldownMs } = this.options.breaker;
    return { spec, leases: 0, retired: false, breaker: new CircuitBreaker(failures, cooldownMs) };
  }

  private retire(slot: Slot): void {
    slot.retired = true;
    if (slot.leases === 0) void this.closeSlot(slot);
  }

  private releaseSlot(slot: Slot): void {
    slot.leases--;
    if (slot.retired && slot.leases === 0) void this.closeSlot(slot);
  }

  private async closeSlot(slot: Slot): Promise<void> {
    const p = slot.provider;
    slot.provider = undefined;
    try {
      await p?.close?.();
    } catch (err) {
      this.options.log.warn({ err }, 'closing a retired model provider failed');
    }
  }
}
