-- Maintenance requests this node received (docs/maintenance.md): the target's own record, so that
-- consent is given here, by this node's admin, and a task runs only if this record says approved for
-- that job, that task and those parameters, from that Hakim, unexpired. node_id: the DID that
-- received it (nodes of a cluster may share this schema).
CREATE TABLE maintenance_requests (
    job_id         uuid        PRIMARY KEY,
    node_id        text        NOT NULL,
    hakim_did      text        NOT NULL,
    reply_to       text,
    task           text        NOT NULL,
    params         jsonb       NOT NULL,
    status         text        NOT NULL CHECK (status IN ('PendingApproval', 'Approved', 'Rejected', 'Expired', 'Running', 'Completed', 'Failed')),
    status_history jsonb       NOT NULL DEFAULT '[]',
    result         jsonb,
    requested_at   timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    decided_by     uuid,
    decided_at     timestamptz,
    completed_at   timestamptz
);
CREATE INDEX maintenance_requests_listed ON maintenance_requests (node_id, requested_at DESC, job_id DESC);
