-- The actions verticle's tables: the queue (action_jobs), the seed's action_results (one row per
-- attempt), action_metrics_hourly as a rollup kept by action_results' own statement trigger, and
-- the seed's agent_mcp_tokens with the token sealed (docs/actions.md says how each differs from
-- seed 003). No foreign keys into other verticles' schemas: triggers, events and users belong to
-- their own verticles, and a job must outlive the trigger that fired it (its history stays).

CREATE OR REPLACE FUNCTION update_updated_at_column() RETURNS trigger AS $$
BEGIN
    NEW.updated_at = now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TABLE action_jobs (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- trigger_id:event_id:action_id from triggers; a repeat enqueue returns this row
    idempotency_key  text        NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 300),
    owner_id         uuid        NOT NULL,
    trigger_id       uuid,
    trigger_name     text,
    event_id         text,
    action_id        bigint,
    action_type      text        NOT NULL,
    -- lower runs first
    priority         integer     NOT NULL DEFAULT 1,
    config           jsonb       NOT NULL,
    event            jsonb       NOT NULL,
    status           text        NOT NULL DEFAULT 'queued'
                                 CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'dead')),
    -- attempts started; an attempt is counted when a worker claims the job
    attempts         integer     NOT NULL DEFAULT 0,
    max_attempts     integer     NOT NULL,
    run_at           timestamptz NOT NULL DEFAULT now(),
    lease_owner      text,
    lease_expires_at timestamptz,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz
);

-- what workers claim: ready jobs by priority, then run_at
CREATE INDEX idx_action_jobs_ready ON action_jobs (priority, run_at) WHERE status = 'queued';
-- what the reaper reclaims: running jobs whose lease ran out
CREATE INDEX idx_action_jobs_leases ON action_jobs (lease_expires_at) WHERE status = 'running';
-- the API's listing: an owner's jobs, newest first (keyset on id), optionally by trigger
CREATE INDEX idx_action_jobs_owner ON action_jobs (owner_id, id DESC);
CREATE INDEX idx_action_jobs_trigger ON action_jobs (trigger_id, id DESC);
-- retention and the API's time filter: jobs are written in time order, so a BRIN index (a few
-- pages, next to nothing to maintain on the hot path) finds a time range
CREATE INDEX idx_action_jobs_created_at ON action_jobs USING brin (created_at);

-- Wakes idle workers on every node on this database as soon as a job becomes ready (a new job, a
-- retry by API, a reclaimed lease): one notification per statement, delivered at commit.
CREATE OR REPLACE FUNCTION notify_action_jobs() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('kos_action_jobs', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER action_jobs_notify_insert AFTER INSERT ON action_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION notify_action_jobs();

CREATE TABLE action_results (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id        bigint      NOT NULL,
    -- the job's attempt this row records (1, 2, ...)
    attempt       integer     NOT NULL,
    owner_id      uuid        NOT NULL,
    trigger_id    uuid,
    event_id      text,
    action_type   text        NOT NULL,
    -- the seed's values: success, failed (final), retrying (another attempt is scheduled)
    status        text        NOT NULL CHECK (status IN ('success', 'failed', 'retrying')),
    executed_at   timestamptz NOT NULL DEFAULT now(),
    duration_ms   integer,
    error_message text,
    response_data jsonb,
    -- the seed's retry_count: attempts before this one
    retry_count   integer     NOT NULL DEFAULT 0,
    -- the worker (node DID / instance) that made the attempt
    worker        text
);

-- the seed's indexes, less those no query here uses (event_id, status, action_type: filters that
-- come with an owner or a trigger); executed_at as BRIN, as created_at above
CREATE INDEX idx_action_results_job_id ON action_results (job_id, attempt);
CREATE INDEX idx_action_results_trigger_id ON action_results (trigger_id, id DESC);
CREATE INDEX idx_action_results_owner ON action_results (owner_id, id DESC);
CREATE INDEX idx_action_results_executed_at ON action_results USING brin (executed_at);

-- The seed's materialized view as a table kept current by action_results' statement trigger: each
-- insert adds its rows' counts, nothing is recomputed. Per owner too, so that the API can scope it
-- (an admin's view sums the owners). p95 comes from the duration histogram (duration_buckets:
-- bucket index -> count, bounds in duration_bucket_bounds()).
CREATE TABLE action_metrics_hourly (
    hour              timestamptz NOT NULL,
    owner_id          uuid        NOT NULL,
    action_type       text        NOT NULL,
    total_executions  bigint      NOT NULL,
    success_count     bigint      NOT NULL,
    failure_count     bigint      NOT NULL,
    retrying_count    bigint      NOT NULL,
    duration_sum_ms   bigint      NOT NULL,
    duration_buckets  jsonb       NOT NULL,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (hour, owner_id, action_type)
);

-- upper bounds (ms) of the duration histogram's buckets; bucket i counts durations below bound i
-- (width_bucket's numbering; the last bucket is everything above the last bound)
CREATE OR REPLACE FUNCTION duration_bucket_bounds() RETURNS integer[] AS $$
    SELECT ARRAY[1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 30000, 60000, 120000, 300000]
$$ LANGUAGE sql IMMUTABLE;

CREATE OR REPLACE FUNCTION add_counts(a jsonb, b jsonb) RETURNS jsonb AS $$
    SELECT coalesce(jsonb_object_agg(key, total), '{}'::jsonb)
    FROM (SELECT key, sum(value::bigint) AS total
          FROM (SELECT * FROM jsonb_each_text(a) UNION ALL SELECT * FROM jsonb_each_text(b)) both_sides
          GROUP BY key) summed
$$ LANGUAGE sql IMMUTABLE;

CREATE OR REPLACE FUNCTION action_metrics_add() RETURNS trigger AS $$
BEGIN
    INSERT INTO action_metrics_hourly AS m (hour, owner_id, action_type, total_executions, success_count, failure_count,
                                            retrying_count, duration_sum_ms, duration_buckets)
    SELECT hour, owner_id, action_type, sum(n), sum(ok), sum(failed), sum(retrying), sum(ms), jsonb_object_agg(bucket::text, n)
    FROM (SELECT date_trunc('hour', executed_at) AS hour, owner_id, action_type,
                 width_bucket(coalesce(duration_ms, 0), duration_bucket_bounds()) AS bucket, count(*) AS n,
                 count(*) FILTER (WHERE status = 'success') AS ok, count(*) FILTER (WHERE status = 'failed') AS failed,
                 count(*) FILTER (WHERE status = 'retrying') AS retrying, sum(coalesce(duration_ms, 0)) AS ms
          FROM added GROUP BY 1, 2, 3, 4) per_bucket
    GROUP BY hour, owner_id, action_type
    -- one lock order for every writer, so two completing workers cannot deadlock on the hour rows
    ORDER BY hour, owner_id, action_type
    ON CONFLICT (hour, owner_id, action_type) DO UPDATE SET
        total_executions = m.total_executions + EXCLUDED.total_executions,
        success_count = m.success_count + EXCLUDED.success_count,
        failure_count = m.failure_count + EXCLUDED.failure_count,
        retrying_count = m.retrying_count + EXCLUDED.retrying_count,
        duration_sum_ms = m.duration_sum_ms + EXCLUDED.duration_sum_ms,
        duration_buckets = add_counts(m.duration_buckets, EXCLUDED.duration_buckets),
        updated_at = now();
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER action_results_metrics AFTER INSERT ON action_results
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION action_metrics_add();

-- The seed's agent_mcp_tokens, keyed by chain and agent (an agent id is unique per chain only);
-- the token is sealed with the node's master key (AES-256-GCM, bound to chain and agent) and no
-- API returns it.
CREATE TABLE agent_mcp_tokens (
    chain_id     bigint      NOT NULL CHECK (chain_id >= 1),
    agent_id     numeric(78) NOT NULL CHECK (agent_id >= 0),
    token_sealed text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chain_id, agent_id)
);

CREATE TRIGGER update_agent_mcp_tokens_updated_at BEFORE UPDATE ON agent_mcp_tokens
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
