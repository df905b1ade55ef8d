-- Ronin: discovery jobs (the seed's discovery_jobs) and the map of the network they keep (the
-- seed's discovered_services). Owners are users by id or nodes by the UUID of their DID, as in
-- every verticle; the map is shared: every authenticated caller reads it.

CREATE OR REPLACE FUNCTION update_updated_at_column() RETURNS trigger AS $$
BEGIN
    NEW.updated_at = now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TABLE discovery_jobs (
    job_id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    status           varchar(50) NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
    -- as written: {target: {type, value}, protocols, depth, ports}
    params           jsonb NOT NULL,
    progress         smallint NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    probes_total     integer NOT NULL DEFAULT 0,
    probes_done      integer NOT NULL DEFAULT 0,
    message          text,
    -- the service ids the job found (verified or not), in the order found
    services_found   jsonb NOT NULL DEFAULT '[]',
    -- {code, message}: INVALID_TARGET, SCAN_FAILED, CANCELLED, INTERRUPTED
    error            jsonb,
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
CREATE INDEX idx_discovery_jobs_status ON discovery_jobs (status);
CREATE INDEX discovery_jobs_owner ON discovery_jobs (owner_id, created_at DESC, job_id DESC);
CREATE INDEX discovery_jobs_unfinished ON discovery_jobs (run_by) WHERE status IN ('pending', 'running');
CREATE TRIGGER update_discovery_jobs_updated_at BEFORE UPDATE ON discovery_jobs
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TABLE discovered_services (
    -- the node's DID when its identity verified; 'unverified:<endpoint>' otherwise, so a document
    -- that does not verify can never overwrite the row of the node it claims to be
    service_id          varchar(255) PRIMARY KEY,
    -- the DID the identity document names (claimed, when not verified)
    node_id             varchar(255) NOT NULL,
    node_class          varchar(100) NOT NULL,
    -- where it answered: http://host:port
    endpoint            text NOT NULL,
    capabilities        jsonb NOT NULL DEFAULT '[]',
    protocols           jsonb NOT NULL DEFAULT '[]',
    verified            boolean NOT NULL,
    -- why it is not verified
    verification_error  text,
    -- {discovery_method, response_time_ms, last_seen, claimed_endpoint, version}
    discovery_metadata  jsonb,
    first_seen          timestamptz NOT NULL DEFAULT now(),
    last_seen           timestamptz NOT NULL,
    -- why the last re-probe found it gone (the service stays until forget_after)
    last_error          text,
    -- when it was last re-probed (a node's re-probe claims the services due)
    last_probe_at       timestamptz,
    last_job_id         uuid REFERENCES discovery_jobs (job_id) ON DELETE SET NULL
);
CREATE INDEX idx_discovered_services_capabilities ON discovered_services USING GIN (capabilities);
CREATE INDEX idx_discovered_services_node_class ON discovered_services (node_class);
CREATE INDEX discovered_services_seen ON discovered_services (last_seen DESC, service_id DESC);
