/** Prometheus metrics of backups: the shipped alert rules fire on a stale last success or a failure. */
import { Counter, Gauge, type Registry } from 'prom-client';

export class BackupMetrics {
  private readonly lastSuccess: Gauge;
  private readonly lastDuration: Gauge;
  private readonly lastSize: Gauge;
  private readonly runs: Counter<'outcome'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.lastSuccess = new Gauge({
      name: 'hearth_backup_last_success_timestamp_seconds',
      help: 'Unix time of the last successful backup (0: none since start)',
      registers,
    });
    this.lastDuration = new Gauge({
      name: 'hearth_backup_last_duration_seconds',
      help: 'Duration of the last successful backup',
      registers,
    });
    this.lastSize = new Gauge({
      name: 'hearth_backup_last_size_bytes',
      help: 'Size of the last successful backup archive',
      registers,
    });
    this.runs = new Counter({
      name: 'hearth_backups_total',
      help: 'Scheduled backups by outcome (ok, failed)',
      labelNames: ['outcome'],
      registers,
    });
    this.runs.inc({ outcome: 'ok' }, 0);
    this.runs.inc({ outcome: 'failed' }, 0);
  }

  succeeded(at: Date, durationMs: number, bytes: number): void {
    this.lastSuccess.set(at.getTime() / 1000);
    this.lastDuration.set(durationMs / 1000);
    this.lastSize.set(bytes);
    this.runs.inc({ outcome: 'ok' });
  }

  failed(): void {
    this.runs.inc({ outcome: 'failed' });
  }
}
