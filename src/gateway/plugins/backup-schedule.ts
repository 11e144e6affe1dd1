/**
 * Scheduled backups of the all-in-one shape (`hearth start`, in-memory bus): `backup.schedule`
 * (daily at 03:00 by default) with retention and the backup metrics on `/metrics`. Scaled roles
 * never back up by themselves — several replicas would each take one; run `hearth backup` from one
 * place (a cron job, a Kubernetes CronJob) instead.
 *
 * Only the schedule is loaded at start: the backup module (tar, the S3 client, pg) is imported
 * when a backup first runs.
 */
import { resolve } from 'node:path';
import { BackupMetrics } from '../../ops/backup/backup-metrics.js';
import { CronSchedule } from '../../ops/backup/schedule.js';
import type { GatewayDeps, GatewayPlugin } from '../plugin.js';

export const backupSchedulePlugin: GatewayPlugin<
  Pick<GatewayDeps, 'config' | 'configFile' | 'log' | 'metrics'>
> = async (app, deps) => {
  const config = deps.config();
  const metrics = new BackupMetrics(deps.metrics.registry);
  if (!config.backup.scheduled || config.bus.kind !== 'memory') return;
  const log = deps.log.child({ component: 'backup' });
  const schedule = new CronSchedule(config.backup.schedule, async () => {
    const current = deps.config();
    const { backupJob } = await import('../../ops/backup/job.js');
    await backupJob({
      config: current,
      configFile: deps.configFile,
      channelsFile: current.channels ? resolve(current.channels) : undefined,
      log,
      metrics,
    });
  });
  schedule.start();
  log.info({ schedule: config.backup.schedule, next: schedule.nextRun()?.toISOString() }, 'backups scheduled');
  app.addHook('onClose', () => schedule.stop());
};
