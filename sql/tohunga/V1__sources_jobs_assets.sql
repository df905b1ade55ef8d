-- Tohunga: registered data sources (the kOS docs' data_sources and the Data Aggregator's connectors
-- in one table), acquisition jobs, the assets they write, and saved step lists (transformations).
-- Owners are the node's users by id, or nodes by the UUID derived from their DID (Caller.nodeOwnerId):
-- no foreign key to node.users, which lives in another schema and has no rows for nodes.

CREATE OR REPLACE FUNCTION update_updated_at_column() RETURNS trigger AS $$
BEGIN
    NEW.updated_at = now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TABLE data_sources (
    source_id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    source_name       text NOT NULL CHECK (length(source_name) BETWEEN 1 AND 200),
    source_type       varchar(100) NOT NULL CHECK (source_type IN ('http_api', 'postgresql', 's3_bucket', 'upload')),
    -- secrets (passwords, tokens, keys, credential header values) sealed as {"sealed": "v1...."}
    connection_config jsonb NOT NULL,
    is_active         boolean NOT NULL DEFAULT true,
    owner_id          uuid NOT NULL,
    -- the DID of a node owner (the seed's owner_did); null for a user
    owner_did         varchar(255),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX data_sources_owner ON data_sources (owner_id, created_at DESC, source_id DESC);
CREATE TRIGGER update_data_sources_updated_at BEFORE UPDATE ON data_sources
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TABLE transformations (
    transformation_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description       text,
    -- a list of pipeline steps, checked when written
    steps             jsonb NOT NULL,
    owner_id          uuid NOT NULL,
    owner_did         varchar(255),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX transformations_owner ON transformations (owner_id, created_at DESC, transformation_id DESC);
CREATE TRIGGER update_transformations_updated_at BEFORE UPDATE ON transformations
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TABLE acquisition_jobs (
    job_id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- null once the source is deleted; the provenance keeps what it was
    source_id        uuid REFERENCES data_sources (source_id) ON DELETE SET NULL,
    request_params   jsonb,
    -- as written (a saved transformation by its id), and as run (references expanded)
    pipeline_steps   jsonb NOT NULL,
    output_config    jsonb NOT NULL,
    status           varchar(50) NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
    progress         smallint CHECK (progress BETWEEN 0 AND 100),
    records_in       bigint NOT NULL DEFAULT 0,
    records_out      bigint NOT NULL DEFAULT 0,
    records_rejected bigint NOT NULL DEFAULT 0,
    bytes_out        bigint NOT NULL DEFAULT 0,
    message          text,
    result_uri       text,
    -- {code, message}: SOURCE_UNREACHABLE, SOURCE_AUTH_FAILED, VALIDATION_FAILED, OUTPUT_WRITE_ERROR, TIMEOUT, CANCELLED, INTERRUPTED
    error            jsonb,
    provenance       jsonb,
    cancel_requested boolean NOT NULL DEFAULT false,
    -- the DID of the node that runs it: a node marks its own unfinished jobs INTERRUPTED when it starts
    run_by           varchar(255) NOT NULL,
    owner_id         uuid NOT NULL,
    owner_did        varchar(255),
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    completed_at     timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX acquisition_jobs_unfinished ON acquisition_jobs (run_by) WHERE status IN ('pending', 'running');
CREATE INDEX acquisition_jobs_owner ON acquisition_jobs (owner_id, created_at DESC, job_id DESC);
CREATE INDEX acquisition_jobs_source_id ON acquisition_jobs (source_id);
CREATE TRIGGER update_acquisition_jobs_updated_at BEFORE UPDATE ON acquisition_jobs
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TABLE assets (
    asset_id     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    job_id       uuid REFERENCES acquisition_jobs (job_id) ON DELETE CASCADE,
    -- result: the job's output; dead_letter: the rows a validation step rejected, with their errors
    -- the DID of the node whose data dir holds the file (it serves the download)
    stored_on    varchar(255) NOT NULL,
    kind         varchar(20) NOT NULL CHECK (kind IN ('result', 'dead_letter')),
    format       varchar(20) NOT NULL CHECK (format IN ('json_lines', 'csv')),
    -- relative to <data_dir>/assets
    file_name    text NOT NULL,
    bytes        bigint NOT NULL,
    records      bigint NOT NULL,
    sha256       char(64) NOT NULL,
    owner_id     uuid NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assets_owner ON assets (owner_id, created_at DESC, asset_id DESC);
CREATE INDEX assets_job ON assets (job_id);
