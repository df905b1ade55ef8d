-- Pipelines (the Data Aggregator's pipelines, pipeline_versions; its pipeline_runs are the
-- acquisition jobs that name their pipeline and version): a saved job definition run on a cron
-- schedule or on demand, every change a version, one scheduler per cluster (a lease).

CREATE TABLE pipelines (
    pipeline_id  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description  text,
    -- what each run does: {source_id, request_params, pipeline_steps, output_config}, checked when written
    definition   jsonb NOT NULL,
    -- cron: 5 fields (Unix) or 6-7 (Quartz, seconds first); null: runs only when asked
    schedule     varchar(100),
    time_zone    varchar(64) NOT NULL DEFAULT 'UTC',
    is_active    boolean NOT NULL DEFAULT true,
    -- {field, param, initial}: the cursor field read, where the cursor goes in the next run's request
    incremental  jsonb,
    -- the incremental cursor: committed with the run that read up to it, once its output is durable
    cursor       text,
    version      integer NOT NULL DEFAULT 1,
    -- when the scheduler starts the next run; a time in the past after downtime runs once
    next_run_at  timestamptz,
    owner_id     uuid NOT NULL,
    owner_did    varchar(255),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pipelines_due ON pipelines (next_run_at) WHERE is_active AND next_run_at IS NOT NULL;
CREATE INDEX pipelines_owner ON pipelines (owner_id, created_at DESC, pipeline_id DESC);
CREATE TRIGGER update_pipelines_updated_at BEFORE UPDATE ON pipelines
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TABLE pipeline_versions (
    pipeline_id        uuid NOT NULL REFERENCES pipelines (pipeline_id) ON DELETE CASCADE,
    version_number     integer NOT NULL,
    -- {name, description, definition, schedule, time_zone, is_active, incremental}
    snapshot           jsonb NOT NULL,
    change_description text,
    -- the owner id of whoever made the change
    created_by         uuid NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (pipeline_id, version_number)
);

ALTER TABLE acquisition_jobs
    ADD COLUMN pipeline_id      uuid REFERENCES pipelines (pipeline_id) ON DELETE SET NULL,
    ADD COLUMN pipeline_version integer,
    ADD COLUMN run_trigger      varchar(20) CHECK (run_trigger IN ('schedule', 'manual')),
    -- an incremental run: {field, from}; cursor_to is the greatest value of field it read
    ADD COLUMN incremental      jsonb,
    ADD COLUMN cursor_to        text;
-- no overlapping runs of one pipeline, whichever node starts them
CREATE UNIQUE INDEX acquisition_jobs_one_run ON acquisition_jobs (pipeline_id) WHERE status IN ('pending', 'running');
CREATE INDEX acquisition_jobs_pipeline ON acquisition_jobs (pipeline_id, created_at DESC, job_id DESC);

-- one holder at a time: the node whose scheduler starts due runs
CREATE TABLE scheduler_lease (
    name       text PRIMARY KEY,
    holder     varchar(255) NOT NULL,
    expires_at timestamptz NOT NULL
);
