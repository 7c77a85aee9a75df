-- DORA's 2025 Quick Check benchmarks: the mean and standard deviation of each 0–10 score among
-- the 2025 survey's respondents (all industries). DORA published no performance tiers in 2025;
-- dora_bands holds the 2024 ones, the last it published. Change fail and rework rate are stored
-- as scores (10 − the survey's raw 0–10 instability value), higher better like the others.
CREATE TABLE metrics.quick_check_benchmarks (
  edition     integer NOT NULL,
  population  text    NOT NULL,
  metric      text    NOT NULL CHECK (metric IN ('lead_time', 'deployment_frequency', 'recovery_time',
                                                 'change_fail_rate', 'rework_rate', 'throughput', 'stability')),
  mean        numeric NOT NULL,
  sd          numeric NOT NULL CHECK (sd > 0),
  PRIMARY KEY (edition, population, metric)
);
INSERT INTO metrics.quick_check_benchmarks VALUES
  (2025, 'all', 'lead_time', 5.5, 2.4),
  (2025, 'all', 'deployment_frequency', 4.8, 2.8),
  (2025, 'all', 'recovery_time', 7.4, 2.1),
  (2025, 'all', 'change_fail_rate', 8.1, 2.1),
  (2025, 'all', 'rework_rate', 7.8, 2.2),
  (2025, 'all', 'throughput', 6.0, 2.1),
  (2025, 'all', 'stability', 7.9, 2.0);
