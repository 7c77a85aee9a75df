-- Teams and their repositories, Jira projects and boards, from the settings tables; the
-- status-category mapping and the bot rules.

-- The default team's name: the organisation that owns the most synced repositories.
CREATE VIEW metrics.default_team AS
SELECT coalesce(
         (SELECT owner FROM source.github_repos GROUP BY owner ORDER BY count(*) DESC, owner LIMIT 1),
         (SELECT lower(min(key)) FROM source.jira_projects),
         'default') AS team;

CREATE VIEW metrics.teams AS
SELECT team FROM metrics.setting_teams
UNION ALL
SELECT d.team FROM metrics.default_team d WHERE NOT EXISTS (SELECT 1 FROM metrics.setting_teams);

CREATE VIEW metrics.team_repos AS
-- Each pattern made a LIKE pattern once and each name lowered once (MATERIALIZED): worked out
-- pair by pair in the join, they cost every query reading teams 16 ms at 200 patterns by 200
-- repositories; once each, 3 ms. A pattern without * or ? names one repository, found by
-- equality (a hash join): most patterns are names, and then the LIKE of every pattern with
-- every name is not needed (1 ms).
WITH patterns AS MATERIALIZED (
  SELECT t.team, lower(t.pattern) AS name, t.pattern ~ '[*?]' AS wild,
         replace(replace(replace(replace(lower(t.pattern), '\', '\\'), '_', '\_'), '*', '%'), '?', '_') AS pattern
    FROM metrics.setting_team_repos t
), names AS MATERIALIZED (
  SELECT r.id, r.owner || '/' || r.name AS repo, lower(r.name) AS name FROM source.github_repos r
)
SELECT DISTINCT m.team, m.repo_id, m.repo
  FROM (SELECT p.team, n.id AS repo_id, n.repo FROM patterns p JOIN names n ON n.name = p.name WHERE NOT p.wild
        UNION ALL
        SELECT p.team, n.id, n.repo FROM patterns p JOIN names n ON n.name LIKE p.pattern WHERE p.wild) m
UNION ALL
SELECT d.team, r.id, r.owner || '/' || r.name
  FROM metrics.default_team d CROSS JOIN source.github_repos r
 -- Asked of each repository (r.id is never null), so that the planner sees the default team's
 -- repositories as few when teams are set: asked once, it counted every repository in every
 -- team, and a team's rows were read as the whole organisation's and most left (a team's DORA
 -- tiles over two years: 413 ms against 105).
 WHERE NOT EXISTS (SELECT 1 FROM metrics.setting_teams s WHERE r.id IS NOT NULL);

-- Each repository's teams, and '*' (all teams) for every repository: what the per-team rollups
-- join the rows they picked to.
CREATE VIEW metrics.repo_teams AS
SELECT tr.team, tr.repo_id FROM metrics.team_repos tr
UNION ALL
SELECT '*', r.id FROM source.github_repos r;

CREATE VIEW metrics.team_projects AS
SELECT t.team, t.project_key FROM metrics.setting_team_projects t
UNION ALL
SELECT d.team, p.key
  FROM metrics.default_team d CROSS JOIN source.jira_projects p
 -- Asked of each project, as of each repository in metrics.team_repos (a team's issues over
 -- two years: 64 ms against 8).
 WHERE NOT EXISTS (SELECT 1 FROM metrics.setting_teams s WHERE p.key IS NOT NULL);

-- A board belongs to the teams it is mapped to, else to the teams of its project.
CREATE VIEW metrics.team_boards AS
SELECT t.team, t.board_id FROM metrics.setting_team_boards t
UNION
SELECT tp.team, b.id
  FROM source.jira_boards b
  JOIN metrics.team_projects tp ON tp.project_key = b.project_key
 WHERE NOT EXISTS (SELECT 1 FROM metrics.setting_team_boards x WHERE x.board_id = b.id);

CREATE VIEW metrics.status_stages AS
SELECT s.id AS status_id, s.name AS status, s.category_key,
       coalesce(o.stage,
                CASE s.category_key WHEN 'new' THEN 'todo' WHEN 'done' THEN 'done' ELSE 'active' END) AS stage
  FROM source.jira_statuses s
  LEFT JOIN metrics.setting_status_stages o ON lower(o.status_name) = lower(s.name);

-- Bots: logins matching the pattern setting, or listed in setting_bots (lower case).
CREATE VIEW metrics.bot_rules AS
SELECT (SELECT value FROM metrics.setting_values WHERE key = 'bot_login_pattern') AS pattern,
       coalesce((SELECT array_agg(lower(login)) FROM metrics.setting_bots), '{}') AS logins;
