-- What each write to a source table changed, so a refresh pays for what changed
-- (metrics/refresh.ts). One row per statement that inserted, updated or deleted rows, written
-- by the statement's own trigger in the writer's transaction: a change is visible exactly when
-- the rows it describes are. Upserts rewrite only rows that differ (store/upsert.ts), so a sync
-- that finds nothing new records nothing.
--   tx        : the writing transaction, so a refresh can tell which changes its snapshot holds
--               (pg_visible_in_snapshot) without waiting for writers
--   repo_ids … sprint_ids : the repositories, pull requests, issues and sprints the rows belong
--               to, where the table has them (all NULL for a TRUNCATE: every row)
CREATE TABLE ops.source_changes (
  id          bigserial   PRIMARY KEY,
  tx          xid8        NOT NULL DEFAULT pg_current_xact_id(),
  changed_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  table_name  text        NOT NULL,
  operation   text        NOT NULL,
  rows        integer     NOT NULL,   -- rows written
  repo_ids    text[],
  pr_ids      text[],
  issue_ids   text[],
  sprint_ids  bigint[]
);

-- What each materialized view has taken in: the snapshot its last refresh read the changes
-- with, and a digest of every settings table it reads (those are rewritten whole each time
-- the organisation file is applied, so their contents, not their writes, say what changed).
CREATE TABLE ops.metric_view_state (
  view             text        PRIMARY KEY,
  snapshot         pg_snapshot NOT NULL,
  settings_digest  text        NOT NULL,
  refreshed_at     timestamptz NOT NULL
);

-- The rows a refresh's kept tables came out with differently (either way), as JSON, for the
-- kept tables that read them to find their own scope (metrics.*_scope); a row with no row:
-- every row changed. Kept only while the refresh that wrote them runs.
CREATE UNLOGGED TABLE ops.refresh_diffs (
  run         bigint NOT NULL,
  table_name  text   NOT NULL,
  row         jsonb
);
CREATE INDEX refresh_diffs_run ON ops.refresh_diffs (run, table_name);

-- The trigger's arguments name the expressions (over a changed row, as r) that give its
-- repository, pull request, issue and sprint, or '' where the table has none.
CREATE FUNCTION ops.record_source_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  rows_of text := CASE TG_OP
    WHEN 'INSERT' THEN 'new_rows'
    WHEN 'DELETE' THEN 'old_rows'
    ELSE '(SELECT * FROM new_rows UNION ALL SELECT * FROM old_rows)' END;
  types text[] := ARRAY['text[]', 'text[]', 'text[]', 'bigint[]'];
  keys text := '';
BEGIN
  -- A table emptied: every row changed, which no list of keys says (the keys stay NULL).
  IF TG_OP = 'TRUNCATE' THEN
    INSERT INTO ops.source_changes (table_name, operation, rows) VALUES (TG_TABLE_NAME, 'truncate', 0);
    RETURN NULL;
  END IF;
  FOR i IN 0..3 LOOP
    keys := keys || CASE WHEN TG_ARGV[i] = '' THEN ', NULL::' || types[i + 1]
                         ELSE format(', array_agg(DISTINCT (%s)) FILTER (WHERE (%s) IS NOT NULL)', TG_ARGV[i], TG_ARGV[i]) END;
  END LOOP;
  EXECUTE format(
    'INSERT INTO ops.source_changes (table_name, operation, rows, repo_ids, pr_ids, issue_ids, sprint_ids)
     SELECT %L, %L, n / %s, repo_ids, pr_ids, issue_ids, sprint_ids
       FROM (SELECT count(*)::integer AS n %s FROM %s r) c (n, repo_ids, pr_ids, issue_ids, sprint_ids)
      WHERE n > 0',
    TG_TABLE_NAME, lower(TG_OP), CASE TG_OP WHEN 'UPDATE' THEN 2 ELSE 1 END, keys, rows_of);
  RETURN NULL;
END
$$;

-- Four triggers a table: a trigger with transition tables fires on one kind of event, and a
-- TRUNCATE has none.
DO $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT * FROM (VALUES
    ('github_repos',               'r.id',        '',          '',           ''),
    ('github_pull_requests',       'r.repo_id',   'r.id',      '',           ''),
    ('github_pr_commits',          '',            'r.pr_id',   '',           ''),
    ('github_pr_reviews',          '',            'r.pr_id',   '',           ''),
    ('github_pr_issue_refs',       '',            'r.pr_id',   '',           ''),
    ('github_commits',             'r.repo_id',   '',          '',           ''),
    ('github_deployments',         'r.repo_id',   '',          '',           ''),
    ('github_deployment_statuses', '(SELECT d.repo_id FROM source.github_deployments d WHERE d.id = r.deployment_id)', '', '', ''),
    ('github_releases',            'r.repo_id',   '',          '',           ''),
    ('github_workflow_runs',       'r.repo_id',   '',          '',           ''),
    ('github_compares',            'r.repo_id',   '',          '',           ''),
    ('jira_projects',              '',            '',          '',           ''),
    ('jira_users',                 '',            '',          '',           ''),
    ('jira_statuses',              '',            '',          '',           ''),
    ('jira_boards',                '',            '',          '',           ''),
    ('jira_sprints',               '',            '',          '',           'r.id'),
    ('jira_issues',                '',            '',          'r.id',       ''),
    ('jira_changelog',             '',            '',          'r.issue_id', ''),
    ('jira_status_periods',        '',            '',          'r.issue_id', ''),
    ('jira_sprint_memberships',    '',            '',          'r.issue_id', 'r.sprint_id'),
    ('jira_point_estimates',       '',            '',          'r.issue_id', ''),
    ('jira_flag_periods',          '',            '',          'r.issue_id', ''),
    ('jira_issue_sets',            '',            '',          '',           '')
  ) v (name, repo, pr, issue, sprint)
  LOOP
    EXECUTE format('CREATE TRIGGER record_inserts AFTER INSERT ON source.%I REFERENCING NEW TABLE AS new_rows
                      FOR EACH STATEMENT EXECUTE FUNCTION ops.record_source_change(%L, %L, %L, %L)',
                   t.name, t.repo, t.pr, t.issue, t.sprint);
    EXECUTE format('CREATE TRIGGER record_updates AFTER UPDATE ON source.%I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                      FOR EACH STATEMENT EXECUTE FUNCTION ops.record_source_change(%L, %L, %L, %L)',
                   t.name, t.repo, t.pr, t.issue, t.sprint);
    EXECUTE format('CREATE TRIGGER record_deletes AFTER DELETE ON source.%I REFERENCING OLD TABLE AS old_rows
                      FOR EACH STATEMENT EXECUTE FUNCTION ops.record_source_change(%L, %L, %L, %L)',
                   t.name, t.repo, t.pr, t.issue, t.sprint);
    EXECUTE format('CREATE TRIGGER record_truncates AFTER TRUNCATE ON source.%I
                      FOR EACH STATEMENT EXECUTE FUNCTION ops.record_source_change(%L, %L, %L, %L)',
                   t.name, t.repo, t.pr, t.issue, t.sprint);
  END LOOP;
END
$$;
