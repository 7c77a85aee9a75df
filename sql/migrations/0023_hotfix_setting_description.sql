-- The hotfix settings' descriptions say what docs/metrics.md and the failure evidence do: a
-- labelled (or hotfix-branch) pull request opened while a deployment was the repository's
-- latest, and deployed, is a hotfix for it.
UPDATE metrics.setting_values
   SET description = 'A pull request with this label, opened while a deployment was the repository''s latest and then deployed, is a hotfix for it'
 WHERE key = 'hotfix_label';
UPDATE metrics.setting_values
   SET description = 'A pull request whose branch matches this (case-insensitive), opened while a deployment was the repository''s latest and then deployed, is a hotfix for it'
 WHERE key = 'hotfix_branch_pattern';
