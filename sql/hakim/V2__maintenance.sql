-- Maintenance this Hakim asked of watched nodes: the seed's maintenance_jobs, owner-scoped, with the
-- expiry the docs leave out, the endpoint asked, what the target's task answered, and updated_at.
CREATE TABLE maintenance_jobs (
    job_id          uuid        PRIMARY KEY,
    owner_id        uuid        NOT NULL,
    target_node_did text        NOT NULL,
    endpoint        text        NOT NULL,
    requester_did   text        NOT NULL,
    task_name       text        NOT NULL,
    params          jsonb       NOT NULL DEFAULT '{}',
    status          text        NOT NULL CHECK (status IN ('PendingApproval', 'Approved', 'Running', 'Completed', 'Failed', 'Rejected', 'Expired')),
    status_history  jsonb       NOT NULL DEFAULT '[]',
    result          jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    completed_at    timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX maintenance_jobs_status ON maintenance_jobs (status);
CREATE INDEX maintenance_jobs_target_node_did ON maintenance_jobs (target_node_did);
CREATE INDEX maintenance_jobs_listed ON maintenance_jobs (owner_id, created_at DESC, job_id DESC);
