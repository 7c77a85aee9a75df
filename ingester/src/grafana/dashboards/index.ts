import type { Dashboard } from '@grafana/schema';
import { doraDashboard } from './dora.js';
import { ingestionHealth } from './ingestion.js';

/** Every provisioned dashboard, by the file it is written to in provisioning/dashboards/. */
export function allDashboards(): Record<string, Dashboard> {
  return {
    'dora.json': doraDashboard(),
    'ingestion-health.json': ingestionHealth(),
  };
}

/** The committed form: two-space JSON with a final newline, so a regeneration is a clean diff. */
export function renderDashboard(d: Dashboard): string {
  return JSON.stringify(d, null, 2) + '\n';
}
