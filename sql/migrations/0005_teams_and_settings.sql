-- Teams, and the remaining settings, as rows. `engmetrics refresh` writes what the
-- organisation file says; anything it does not say keeps what is here, so an UPDATE and
-- a refresh change a setting just as well.

-- Teams --------------------------------------------------------------------------------
-- With no team rows, one team named after the GitHub organisation holds every synced
-- repository and Jira project (views below).
CREATE TABLE metrics.setting_teams (
  team  text PRIMARY KEY
);
-- Repositories by name or pattern (`payments-*`, `?` one character), as in the file.
CREATE TABLE metrics.setting_team_repos (
  team     text NOT NULL REFERENCES metrics.setting_teams (team) ON DELETE CASCADE,
  pattern  text NOT NULL,
  PRIMARY KEY (team, pattern)
);
CREATE TABLE metrics.setting_team_projects (
  team         text NOT NULL REFERENCES metrics.setting_teams (team) ON DELETE CASCADE,
  project_key  text NOT NULL,
  PRIMARY KEY (team, project_key)
);
CREATE TABLE metrics.setting_team_boards (
  team      text NOT NULL REFERENCES metrics.setting_teams (team) ON DELETE CASCADE,
  board_id  bigint NOT NULL,
  PRIMARY KEY (team, board_id)
);

-- Jira: statuses to stages, issue types and labels to flow items, incidents -------------

-- A status maps to todo | active | waiting | done from its category (new → todo,
-- indeterminate → active, done → done) unless a row here names it.
CREATE TABLE metrics.setting_status_stages (
  status_name  text PRIMARY KEY,
  stage        text NOT NULL CHECK (stage IN ('todo', 'active', 'waiting', 'done'))
);

-- Issue type (or label) → Flow Framework item. A label rule wins over a type rule.
CREATE TABLE metrics.setting_flow_items (
  match  text NOT NULL CHECK (match IN ('type', 'label')),
  value  text NOT NULL,
  item   text NOT NULL CHECK (item IN ('feature', 'defect', 'risk', 'debt')),
  PRIMARY KEY (match, value)
);
INSERT INTO metrics.setting_flow_items (match, value, item) VALUES
  ('type', 'Story', 'feature'), ('type', 'Epic', 'feature'), ('type', 'Bug', 'defect'),
  ('type', 'Incident', 'defect'), ('type', 'Task', 'debt'), ('type', 'Sub-task', 'debt'),
  ('label', 'security', 'risk'), ('label', 'compliance', 'risk'), ('label', 'tech-debt', 'debt');

CREATE TABLE metrics.setting_incident_rules (
  match  text NOT NULL CHECK (match IN ('type', 'label')),
  value  text NOT NULL,
  PRIMARY KEY (match, value)
);
INSERT INTO metrics.setting_incident_rules (match, value) VALUES ('type', 'Incident'), ('label', 'incident');

-- DORA bands -------------------------------------------------------------------------------
-- One row per metric and band: a value v is in the band when lower <= v < upper (NULL
-- bound = open). Units: hours for times, deployments per week, percent for rates.
-- From the DORA 2024 report's clusters. Where the report's clusters overlap or swap
-- order, the note says how the bands were drawn.
CREATE TABLE metrics.dora_bands (
  metric  text    NOT NULL CHECK (metric IN ('deployment_frequency', 'change_lead_time', 'change_fail_rate', 'recovery_time')),
  band    text    NOT NULL CHECK (band IN ('elite', 'high', 'medium', 'low')),
  year    integer NOT NULL,
  lower   numeric,
  upper   numeric,
  unit    text    NOT NULL,
  note    text    NOT NULL,
  PRIMARY KEY (metric, band, year)
);
INSERT INTO metrics.dora_bands VALUES
  ('change_lead_time', 'elite', 2024, NULL, 24, 'hours', 'less than one day'),
  ('change_lead_time', 'high', 2024, 24, 168, 'hours', 'one day to one week'),
  ('change_lead_time', 'medium', 2024, 168, 720, 'hours', 'one week to one month'),
  ('change_lead_time', 'low', 2024, 720, NULL, 'hours', 'more than one month'),
  ('deployment_frequency', 'elite', 2024, 7, NULL, 'deployments per week', 'on demand: daily or more'),
  ('deployment_frequency', 'high', 2024, 1, 7, 'deployments per week', 'daily to weekly'),
  ('deployment_frequency', 'medium', 2024, 0.23, 1, 'deployments per week', 'weekly to monthly'),
  ('deployment_frequency', 'low', 2024, NULL, 0.23, 'deployments per week', 'less than monthly'),
  ('change_fail_rate', 'elite', 2024, NULL, 5, 'percent', 'the elite cluster reported 5 %'),
  ('change_fail_rate', 'high', 2024, 5, 10, 'percent', 'the 2024 report''s high (20 %) and medium (10 %) clusters swapped; bands here go by the rate'),
  ('change_fail_rate', 'medium', 2024, 10, 20, 'percent', 'the 2024 report''s high (20 %) and medium (10 %) clusters swapped; bands here go by the rate'),
  ('change_fail_rate', 'low', 2024, 20, NULL, 'percent', 'the low cluster reported 40 %'),
  ('recovery_time', 'elite', 2024, NULL, 1, 'hours', 'less than one hour'),
  ('recovery_time', 'high', 2024, 1, 24, 'hours', 'less than one day'),
  ('recovery_time', 'medium', 2024, 24, 168, 'hours', 'the 2024 report put medium under one day too; medium here is one day to one week'),
  ('recovery_time', 'low', 2024, 168, NULL, 'hours', 'one week or more');
