import type { Dashboard } from '@grafana/schema';
import { doraDashboard } from './dora.js';
import { flowDashboard } from './flow.js';
import { ingestionHealth } from './ingestion.js';
import { sprintHealthDashboard } from './sprint.js';

/** Every provisioned dashboard, by the file it is written to in provisioning/dashboards/. */
export function allDashboards(): Record<string, Dashboard> {
  return {
    'delivery-flow.json': flowDashboard(),
    'dora.json': doraDashboard(),
    'ingestion-health.json': ingestionHealth(),
    'sprint-health.json': sprintHealthDashboard(),
  };
}

/** The committed form: two-space JSON with a final newline, so a regeneration is a clean diff. */
export function renderDashboard(d: Dashboard): string {
  return JSON.stringify(d, null, 2) + '\n';
}
