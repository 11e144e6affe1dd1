/** The shipped Prometheus alert rules, read from deploy/prometheus/alerts.yml. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../harness.js';

export const ALERTS_FILE = join(ROOT, 'deploy', 'prometheus', 'alerts.yml');

export interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
export const rules = (): Rule[] =>
  (parse(readFileSync(ALERTS_FILE, 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules);
