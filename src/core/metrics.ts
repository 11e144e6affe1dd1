/**
 * The `EngineMetrics` seam: what the engine reports about turns and model calls. The Prometheus
 * exporter (src/ops/metrics.ts) implements it; the engine only knows this interface.
 */
export interface EngineMetrics {
  turn(channel: string, outcome: 'ok' | 'error', seconds: number): void;
  modelCall(model: string, outcome: 'ok' | 'error' | 'timeout' | 'circuit-open', seconds: number): void;
  tokens(model: string, prompt: number, completion: number): void;
  /** USD a turn cost at its model's price. */
  cost?(model: string, usd: number): void;
  /** A turn refused by a budget (`budgets.user.tokensPerDay`, …). */
  budgetRefused?(budget: string): void;
  /** A turn took a budget past 80 % of its limit (once per budget and period). */
  budgetWarned?(budget: string): void;
}

/** What the live canvas reports (src/canvas); the Prometheus exporter implements it. */
export interface CanvasMetrics {
  /** A change to a room made on this replica (by a browser or the canvas skill). */
  canvasChange(): void;
  /** A canvas client refused or cut off, by the error code it was logged with. */
  canvasRefused(code: string): void;
}
