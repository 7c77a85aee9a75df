-- Series the API can chart: name, unit, the intervals it comes in, what it is.
CREATE TABLE metrics.series_catalogue (
  metric       text PRIMARY KEY,
  unit         text NOT NULL,
  intervals    text[] NOT NULL,
  description  text NOT NULL
);
INSERT INTO metrics.series_catalogue VALUES
  ('deployments', 'deployments', '{day,week}', 'Successful production deployments'),
  ('failed_deployments', 'deployments', '{day,week}', 'Deployments that failed (rolled back, reverted, hot-fixed or with an incident, within the attribution window)'),
  ('change_fail_rate', 'percent', '{week}', 'Failed deployments ÷ deployments'),
  ('rework_rate', 'percent', '{week}', 'Rework deployments ÷ deployments'),
  ('deploy_days', 'days', '{week}', 'Days with at least one deployment'),
  ('lead_time_p50', 'hours', '{week}', 'Median change lead time of the changes deployed'),
  ('lead_time_p90', 'hours', '{week}', '90th percentile change lead time of the changes deployed'),
  ('recovery_p50', 'hours', '{week}', 'Median failed deployment recovery time'),
  ('prs_merged', 'pull requests', '{week}', 'Pull requests merged (bots excluded)'),
  ('pickup_p50', 'hours', '{week}', 'Median pickup time of the PRs merged'),
  ('review_p50', 'hours', '{week}', 'Median review time of the PRs merged'),
  ('coding_p50', 'hours', '{week}', 'Median coding time of the PRs merged'),
  ('deploy_p50', 'hours', '{week}', 'Median time from merge to production of the PRs merged'),
  ('velocity', 'items', '{week}', 'Jira items reaching done'),
  ('flow_time_p50', 'days', '{week}', 'Median flow time of the items done'),
  ('flow_efficiency', 'percent', '{week}', 'Time in active stages ÷ flow time of the items done'),
  ('wip', 'items', '{day}', 'Items in active or waiting stages at the end of the day');
