-- The settings of deployments and DORA (docs/metrics.md, "Deployments"; the views that read
-- them: sql/views/20_delivery.sql, 40_dora.sql). Settings live in rows, so changing one is an
-- UPDATE and `engmetrics refresh`.

-- Settings -----------------------------------------------------------------------------

CREATE TABLE metrics.setting_values (
  key          text PRIMARY KEY,
  value        text NOT NULL,
  description  text NOT NULL
);
INSERT INTO metrics.setting_values (key, value, description) VALUES
  ('production_pattern', '^(prod|production)$', 'GitHub environments that are production (case-insensitive regular expression); a repository row may override it'),
  ('attribution_window_hours', '72', 'How long after a deployment a rollback, revert, hotfix or incident still marks it failed'),
  ('hotfix_label', 'hotfix', 'A merged PR with this label is a hotfix'),
  ('hotfix_branch_pattern', '^hotfix[/_-]', 'A merged PR whose branch matches this (case-insensitive) is a hotfix'),
  ('bot_login_pattern', '\[bot\]$', 'Logins that are bots (besides setting_bots)');

-- Per repository (owner/name): where its deployments come from.
--   auto        : GitHub deployments, else published releases, else the named workflow's successful runs, else merges
--   deployments | releases | workflow | merges : that source only
CREATE TABLE metrics.setting_repos (
  repo                text PRIMARY KEY,
  source              text NOT NULL DEFAULT 'auto' CHECK (source IN ('auto', 'deployments', 'releases', 'workflow', 'merges')),
  production_pattern  text,
  workflow            text
);

CREATE TABLE metrics.setting_bots (
  login  text PRIMARY KEY
);
