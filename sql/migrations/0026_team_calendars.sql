-- Each team's working calendar, for forecasts counted in working days: the zone its days are
-- told in, the ISO days of the week it works (1 = Monday), and the dates it does not.
-- A team without a row (the default team, or '*' for all) works Monday to Friday in UTC.
CREATE TABLE metrics.setting_team_calendars (
  team          text    PRIMARY KEY REFERENCES metrics.setting_teams (team) ON DELETE CASCADE,
  timezone      text    NOT NULL DEFAULT 'UTC',
  working_days  integer[] NOT NULL DEFAULT '{1,2,3,4,5}'
                CHECK (working_days <@ '{1,2,3,4,5,6,7}' AND cardinality(working_days) > 0),
  holidays      date[]  NOT NULL DEFAULT '{}'
);
