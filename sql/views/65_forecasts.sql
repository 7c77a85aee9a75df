-- What Monte Carlo forecasts (ingester/src/forecast) sample: a team's working days, and what
-- each of its recent working days saw done, added to its running sprints and taken out of them.
-- The simulation lives in TypeScript; the days it draws from are defined here, once.
-- Definitions: docs/metrics.md, "Forecasts".

-- A team's calendar; a team without one works Monday to Friday in UTC.
CREATE FUNCTION metrics.team_calendar(p_team text)
RETURNS TABLE (timezone text, working_days integer[], holidays date[])
LANGUAGE sql STABLE AS $$
  SELECT coalesce(c.timezone, 'UTC'), coalesce(c.working_days, '{1,2,3,4,5}'), coalesce(c.holidays, '{}')
    FROM (SELECT 1) one LEFT JOIN metrics.setting_team_calendars c ON c.team = p_team
$$;

-- A team's working days from one date to another, both included.
CREATE FUNCTION metrics.working_days(p_team text, p_from date, p_to date)
RETURNS SETOF date
LANGUAGE sql STABLE AS $$
  SELECT d::date
    FROM metrics.team_calendar(p_team) c, generate_series(p_from, p_to, interval '1 day') d
   WHERE extract(isodow FROM d)::integer = ANY (c.working_days) AND NOT d::date = ANY (c.holidays)
   ORDER BY 1
$$;

-- The team's last p_days working days before the day p_as_of falls on (whole days only, in the
-- team's zone; days with nothing count, as zeros): issues done, and issues added to or removed
-- from the team's sprints while they ran. History starts at the team's first issue or sprint.
CREATE FUNCTION metrics.forecast_history(p_team text, p_as_of timestamptz, p_days integer)
RETURNS TABLE (day date, done integer, added integer, removed integer)
LANGUAGE sql STABLE AS $$
  WITH cal AS (
    SELECT * FROM metrics.team_calendar(p_team)
  ), sprints AS (
    SELECT t.sprint_id, t.start_at FROM metrics.sprint_totals t
     WHERE EXISTS (SELECT 1 FROM metrics.team_boards tb WHERE tb.board_id = t.board_id AND (tb.team = p_team OR p_team = '*'))
  ), first_issue AS (
    -- The team's first issue, project by project from the (project_key, created_at) index:
    -- asked of the team's issues at once, every issue was read.
    SELECT min(f.at) AS at
      FROM metrics.team_projects tp
      CROSS JOIN LATERAL (SELECT min(i.created_at) AS at FROM metrics.issues i WHERE i.project_key = tp.project_key) f
     WHERE tp.team = p_team
    UNION ALL
    SELECT min(i.created_at) FROM metrics.issues i WHERE p_team = '*'
  ), bounds AS (
    SELECT (p_as_of AT TIME ZONE c.timezone)::date AS today,
           (least((SELECT min(f.at) FROM first_issue f), (SELECT min(s.start_at) FROM sprints s))
             AT TIME ZONE c.timezone)::date AS first_day
      FROM cal c
  ), days AS (
    SELECT d FROM bounds b,
           metrics.working_days(p_team, greatest(b.first_day, b.today - (2 * p_days + 30)), b.today - 1) d
     ORDER BY d DESC LIMIT p_days
  ), done AS (
    SELECT (i.done_at AT TIME ZONE c.timezone)::date AS d, count(*) AS n
      FROM metrics.team_issues i, cal c, bounds b
     WHERE i.team = p_team AND i.done_at IS NOT NULL
       AND i.done_at < (b.today::timestamp AT TIME ZONE c.timezone)
       AND i.done_at >= ((b.today - (2 * p_days + 30))::timestamp AT TIME ZONE c.timezone)
     GROUP BY 1
  ), changes AS (
    SELECT (x.at AT TIME ZONE c.timezone)::date AS d, count(*) FILTER (WHERE x.kind = 'added') AS added,
           count(*) FILTER (WHERE x.kind = 'removed') AS removed
      FROM (SELECT 'added' AS kind, si.added_at AS at FROM metrics.sprint_issues si JOIN sprints s ON s.sprint_id = si.sprint_id WHERE si.added
            UNION ALL
            SELECT 'removed', si.removed_at FROM metrics.sprint_issues si JOIN sprints s ON s.sprint_id = si.sprint_id WHERE si.removed) x,
           cal c
     GROUP BY 1
  )
  SELECT days.d, coalesce(done.n, 0)::integer, coalesce(ch.added, 0)::integer, coalesce(ch.removed, 0)::integer
    FROM days LEFT JOIN done ON done.d = days.d LEFT JOIN changes ch ON ch.d = days.d
   ORDER BY days.d
$$;

-- A sprint at an instant: the issues in it then, and how many of those were done then.
CREATE FUNCTION metrics.sprint_scope_at(p_sprint bigint, p_at timestamptz)
RETURNS TABLE (issues integer, done integer)
LANGUAGE sql STABLE AS $$
  SELECT count(*)::integer,
         count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM source.jira_status_periods sp JOIN metrics.status_stages ss ON ss.status_id = sp.status_id
            WHERE sp.issue_id = m.issue_id AND sp.started_at <= p_at AND (sp.ended_at IS NULL OR sp.ended_at > p_at)
              AND ss.stage = 'done'))::integer
    FROM (SELECT DISTINCT mb.issue_id FROM source.jira_sprint_memberships mb
           WHERE mb.sprint_id = p_sprint AND mb.added_at <= p_at AND (mb.removed_at IS NULL OR mb.removed_at > p_at)) m
$$;
