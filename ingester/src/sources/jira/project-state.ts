import type { Database } from '../../db/database.js';
import type { Logger } from '../../log.js';
import type { RecordQuality } from '../quality.js';
import type { JiraApi } from './client.js';
import type { ProjectFields } from './map.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

export interface JiraSyncContext {
  db: Database;
  api: JiraApi;
  log: Logger;
}

export interface BoardCursor {
  id: number;
  type: string;
  /** Closed sprints Jira lists first, and the last of them: the next read starts there. */
  closed: number;
  lastClosedId: number | null;
}

/** Where one project's sync stands (ops.sync_state.cursor). */
export interface ProjectCursor {
  mode: 'cloud' | 'datacenter';
  discoveredAt: string;
  projectId: string;
  fields: ProjectFields;
  /** Lower-cased field name → id, for Data Center changelog items (they carry no fieldId). */
  fieldNames: Record<string, string>;
  boards: BoardCursor[];
  /** Sprints issues name that Jira would not show (deleted, or on a board we cannot see). */
  missingSprints: number[];
}

export interface Counters {
  rows: number;
  issues: number;
  changes: number;
  quality: RecordQuality;
}
