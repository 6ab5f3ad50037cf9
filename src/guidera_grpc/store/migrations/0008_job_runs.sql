-- Each run of a job that must run on one replica at a time (recovery, reconciliation,
-- retention): which replica ran it, when, and whether it finished cleanly. Operators read it
-- to see that the jobs run; the cluster test reads it to see that runs never overlap.
CREATE TABLE job_runs (
    id          bigserial PRIMARY KEY,
    job         text NOT NULL CHECK (length(job) <= 100),
    replica     text NOT NULL CHECK (length(replica) <= 200),
    started_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz,
    ok          boolean
);
CREATE INDEX job_runs_job_started ON job_runs (job, started_at DESC);
