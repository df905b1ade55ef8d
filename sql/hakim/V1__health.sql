-- Hakim: the watch list, what the poller knows of each target, the health reports (the seed's
-- health_reports, partitioned by month like ingest's events, with retention) and a five-minute
-- rollup of their numeric metrics kept by the table's own statement trigger, so trends over long
-- ranges never read raw reports. Differs from the seed: owner_id on what users own (no foreign key
-- to the node's users: that table is in another schema, docs/hakim.md), the primary key holds the
-- partition key, the endpoint polled is kept with each report, TEXT instead of VARCHAR(n), status checked.

-- Who watches which node. One target may be watched by several owners; it is polled once.
CREATE TABLE watched_nodes (
    owner_id   uuid        NOT NULL,
    did        text        NOT NULL,
    endpoint   text        NOT NULL,
    source     text        NOT NULL CHECK (source IN ('config', 'api', 'ronin')),
    added_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner_id, did)
);
CREATE INDEX watched_nodes_did ON watched_nodes (did);

-- One row per target, a DID at an endpoint: the latest poll, and the diagnosis codes in force (the
-- hysteresis state). Two owners who watch one DID at two endpoints get two targets, so no watcher
-- can move where another's node is polled.
CREATE TABLE node_status (
    did            text        NOT NULL,
    endpoint       text        NOT NULL,
    status         text        CHECK (status IN ('Healthy', 'Warning', 'Error', 'Unknown')),
    active_codes   jsonb       NOT NULL DEFAULT '[]',
    diagnosis      jsonb,
    last_report_id uuid,
    last_polled_at timestamptz,
    last_ok_at     timestamptz,
    next_poll_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (did, endpoint)
);
CREATE INDEX node_status_due ON node_status (next_poll_at);

CREATE TABLE health_reports (
    report_id       uuid        NOT NULL DEFAULT gen_random_uuid(),
    target_node_did text        NOT NULL,
    endpoint        text        NOT NULL,
    timestamp       timestamptz NOT NULL,
    status          text        NOT NULL CHECK (status IN ('Healthy', 'Warning', 'Error', 'Unknown')),
    metrics         jsonb,
    diagnosis       jsonb,
    raw_report      jsonb       NOT NULL,
    PRIMARY KEY (timestamp, report_id)
) PARTITION BY RANGE (timestamp);
CREATE INDEX health_reports_target_time ON health_reports (target_node_did, timestamp DESC, report_id DESC);
CREATE INDEX health_reports_id ON health_reports (report_id);

-- Creates the missing monthly partitions covering [from_ts, to_ts] (UTC months).
CREATE FUNCTION ensure_report_partitions(from_ts timestamptz, to_ts timestamptz) RETURNS integer LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
DECLARE
    month timestamptz := date_trunc('month', from_ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    next_month timestamptz;
    name text;
    created integer := 0;
BEGIN
    WHILE month <= to_ts LOOP
        next_month := month + interval '1 month';
        name := 'health_reports_' || to_char(month AT TIME ZONE 'UTC', 'YYYY_MM');
        IF to_regclass(name) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF health_reports FOR VALUES FROM (%L) TO (%L)', name, month, next_month);
            created := created + 1;
        END IF;
        month := next_month;
    END LOOP;
    RETURN created;
END
$$;

-- The numeric metrics of the reports, per target, metric and five minutes.
CREATE TABLE health_rollup (
    target_node_did text        NOT NULL,
    metric          text        NOT NULL,
    bucket          timestamptz NOT NULL,
    samples         bigint      NOT NULL,
    total           double precision NOT NULL,
    minimum         double precision NOT NULL,
    maximum         double precision NOT NULL,
    PRIMARY KEY (target_node_did, metric, bucket)
);

CREATE FUNCTION health_rollup_add() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO health_rollup AS r (target_node_did, metric, bucket, samples, total, minimum, maximum)
        SELECT i.target_node_did, m.key, date_bin('5 minutes', i.timestamp, timestamptz '2000-01-01 00:00:00+00'),
               count(*), sum(m.value::text::double precision), min(m.value::text::double precision), max(m.value::text::double precision)
        FROM inserted i, jsonb_each(coalesce(i.metrics, '{}')) m
        WHERE jsonb_typeof(m.value) = 'number'
        GROUP BY 1, 2, 3
        ON CONFLICT (target_node_did, metric, bucket) DO UPDATE SET samples = r.samples + EXCLUDED.samples,
            total = r.total + EXCLUDED.total, minimum = least(r.minimum, EXCLUDED.minimum), maximum = greatest(r.maximum, EXCLUDED.maximum);
    RETURN NULL;
END
$$;
CREATE TRIGGER health_rollup_add AFTER INSERT ON health_reports
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION health_rollup_add();

-- Retention: drops every partition holding only reports older than cutoff, and their rollup rows.
CREATE FUNCTION drop_report_partitions_before(cutoff timestamptz) RETURNS SETOF text LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
DECLARE
    part record;
BEGIN
    FOR part IN
        SELECT c.relname, (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz AS upper_bound
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'health_reports'::regclass
    LOOP
        IF part.upper_bound <= cutoff THEN
            EXECUTE format('DROP TABLE %I', part.relname);
            DELETE FROM health_rollup WHERE bucket < part.upper_bound;
            RETURN NEXT part.relname;
        END IF;
    END LOOP;
END
$$;
