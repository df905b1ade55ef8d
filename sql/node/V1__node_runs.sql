-- One row per start of a node on this database. stopped_at stays NULL when the process died
-- without a graceful stop (crash, kill -9), which tells an operator how the last run ended.
CREATE TABLE node_runs (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    node_id     text        NOT NULL,
    version     text        NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    stopped_at  timestamptz
);

CREATE INDEX node_runs_node_started ON node_runs (node_id, started_at DESC);
