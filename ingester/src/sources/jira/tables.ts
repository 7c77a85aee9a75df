import type { TableSpec } from '../../store/upsert.js';
import type {
  ChangeRow,
  FlagRow,
  IssueRow,
  MembershipRow,
  PointsRow,
  StatusPeriodRow,
  UserRow,
} from './map.js';

/** The source.jira_* tables as the upsert helper sees them. */

export const projects: TableSpec<{ id: string; key: string; name: string; raw: unknown }> = {
  table: 'source.jira_projects',
  key: ['id'],
  columns: { id: 'text', key: 'text', name: 'text', raw: 'jsonb' },
};

export const users: TableSpec<UserRow> = {
  table: 'source.jira_users',
  key: ['account_id'],
  columns: { account_id: 'text', display_name: 'text', account_type: 'text', active: 'boolean' },
};

export const statuses: TableSpec<{
  id: string;
  name: string;
  category_key: string;
  category_id: number | null;
  category_name: string | null;
  raw: unknown;
}> = {
  table: 'source.jira_statuses',
  key: ['id'],
  columns: {
    id: 'text',
    name: 'text',
    category_key: 'text',
    category_id: 'integer',
    category_name: 'text',
    raw: 'jsonb',
  },
};

export const boards: TableSpec<{
  id: number;
  name: string;
  type: string;
  project_key: string | null;
  project_id: string | null;
  estimation_field_id: string | null;
  raw: unknown;
}> = {
  table: 'source.jira_boards',
  key: ['id'],
  columns: {
    id: 'bigint',
    name: 'text',
    type: 'text',
    project_key: 'text',
    project_id: 'text',
    estimation_field_id: 'text',
    raw: 'jsonb',
  },
};

export const sprints: TableSpec<{
  id: number;
  board_id: number | null;
  name: string;
  goal: string | null;
  state: string;
  created_at: string | null;
  start_at: string | null;
  end_at: string | null;
  complete_at: string | null;
  raw: unknown;
}> = {
  table: 'source.jira_sprints',
  key: ['id'],
  columns: {
    id: 'bigint',
    board_id: 'bigint',
    name: 'text',
    goal: 'text',
    state: 'text',
    created_at: 'timestamptz',
    start_at: 'timestamptz',
    end_at: 'timestamptz',
    complete_at: 'timestamptz',
    raw: 'jsonb',
  },
};

export const issues: TableSpec<IssueRow> = {
  table: 'source.jira_issues',
  key: ['id'],
  columns: {
    id: 'text',
    key: 'text',
    project_id: 'text',
    project_key: 'text',
    issue_type: 'text',
    issue_type_id: 'text',
    hierarchy_level: 'integer',
    summary: 'text',
    status_id: 'text',
    resolution: 'text',
    created_at: 'timestamptz',
    updated_at: 'timestamptz',
    resolved_at: 'timestamptz',
    reporter_account_id: 'text',
    assignee_account_id: 'text',
    labels: 'text[]',
    parent_key: 'text',
    epic_key: 'text',
    story_points: 'numeric',
    points_field_id: 'text',
    sprint_ids: 'bigint[]',
    flagged: 'boolean',
    raw: 'jsonb',
  },
};

export const changelog: TableSpec<ChangeRow> = {
  table: 'source.jira_changelog',
  key: ['issue_id', 'history_id', 'item_index'],
  columns: {
    issue_id: 'text',
    history_id: 'text',
    item_index: 'integer',
    changed_at: 'timestamptz',
    author_account_id: 'text',
    kind: 'text',
    field: 'text',
    field_id: 'text',
    from_value: 'text',
    from_string: 'text',
    to_value: 'text',
    to_string: 'text',
  },
};

export const statusPeriods: TableSpec<StatusPeriodRow> = {
  table: 'source.jira_status_periods',
  key: ['issue_id', 'seq'],
  columns: {
    issue_id: 'text',
    seq: 'integer',
    status_id: 'text',
    started_at: 'timestamptz',
    ended_at: 'timestamptz',
    entered_by_account_id: 'text',
  },
};

export const memberships: TableSpec<MembershipRow> = {
  table: 'source.jira_sprint_memberships',
  key: ['issue_id', 'sprint_id', 'added_at'],
  columns: { issue_id: 'text', sprint_id: 'bigint', added_at: 'timestamptz', removed_at: 'timestamptz' },
};

export const pointEstimates: TableSpec<PointsRow> = {
  table: 'source.jira_point_estimates',
  key: ['issue_id', 'seq'],
  columns: {
    issue_id: 'text',
    seq: 'integer',
    points: 'numeric',
    started_at: 'timestamptz',
    ended_at: 'timestamptz',
  },
};

export const flagPeriods: TableSpec<FlagRow> = {
  table: 'source.jira_flag_periods',
  key: ['issue_id', 'started_at'],
  columns: { issue_id: 'text', started_at: 'timestamptz', ended_at: 'timestamptz' },
};
