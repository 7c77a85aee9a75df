-- The organisation file's issue sets (issueSets: a name and a JQL query): the issues Jira's
-- search returned for each at its last sync, for forecasts of "when is this set done".
CREATE TABLE source.jira_issue_sets (
  set_name   text        PRIMARY KEY,
  jql        text        NOT NULL,
  synced_at  timestamptz NOT NULL,
  issue_keys text[]      NOT NULL
);
