-- KLF, node to node (docs/klf.md): the peers this node trusts, and the tasks other nodes asked it to run.

-- The peer list beside klf.peers in the config; a DID names a node by its key, so the row needs no key.
CREATE TABLE peers (
    did        text        PRIMARY KEY CHECK (did ~ '^did:kos:[a-z][a-z0-9]{0,30}:[0-9a-f]{32}$'),
    role       text        NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    name       text        NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per task_request this node accepted. node_id: the DID that runs it (nodes of a cluster may
-- share this schema). request_id is the request message's id: unique, so a task_request replayed
-- after the in-memory replay window (or a restart) is refused instead of run twice.
CREATE TABLE klf_tasks (
    job_id       uuid        PRIMARY KEY,
    request_id   uuid        NOT NULL UNIQUE,
    node_id      text        NOT NULL,
    requester    text        NOT NULL,
    task_name    text        NOT NULL,
    params       jsonb       NOT NULL,
    status       text        NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'failed')),
    progress     smallint    NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    message      text        NOT NULL DEFAULT '',
    result       jsonb,
    error        jsonb,
    reply_to     text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
-- what a start marks interrupted: this node's unfinished tasks
CREATE INDEX klf_tasks_unfinished ON klf_tasks (node_id) WHERE status IN ('pending', 'running');
-- what retention deletes
CREATE INDEX klf_tasks_finished ON klf_tasks (updated_at) WHERE status IN ('completed', 'failed');

CREATE TRIGGER klf_tasks_set_updated_at BEFORE UPDATE ON klf_tasks
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
