-- What the evidence behind a period's DORA tiles reads by time (metrics.dora_evidence): every
-- GitHub deployment's environment in the period, and the incidents opened in it. Without
-- these it read both tables whole (620,000 deployments and 300,000 issues at the large
-- benchmark): the whole organisation's evidence over 90 days took 210–320 ms, with them 70 ms.
CREATE INDEX github_deployments_created ON source.github_deployments (created_at) INCLUDE (repo_id, environment);
CREATE INDEX jira_issues_created ON source.jira_issues (created_at);
