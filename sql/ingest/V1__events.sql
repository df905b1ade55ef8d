-- The immutable ERC-8004 event log and the producers' checkpoints. See docs/ingest.md for how this
-- differs from the seed (seq, partitions instead of TimescaleDB, one NOTIFY per statement).

CREATE SEQUENCE events_seq AS bigint;

-- Partitioned by block time (unix seconds): one event always has one block time, so the primary
-- key (id, timestamp) rejects every duplicate. Monthly partitions are made ahead by the verticle
-- (ensure_event_partitions) and dropped whole for retention (drop_event_partitions_before).
CREATE TABLE events (
    seq               bigint        NOT NULL DEFAULT nextval('events_seq'),
    id                text          NOT NULL,
    chain_id          bigint        NOT NULL CHECK (chain_id > 0),
    block_number      bigint        NOT NULL CHECK (block_number >= 0),
    block_hash        text          NOT NULL,
    transaction_hash  text          NOT NULL,
    log_index         integer       NOT NULL CHECK (log_index >= 0),
    timestamp         bigint        NOT NULL CHECK (timestamp > 0),
    registry          text          NOT NULL CHECK (registry IN ('identity', 'reputation', 'validation')),
    event_type        text          NOT NULL,
    agent_id          numeric(78,0),
    owner             text,
    token_uri         text,
    updated_by        text,
    metadata_key      text,
    metadata_value    text,
    client_address    text,
    score             smallint      CHECK (score BETWEEN 0 AND 100),
    tag1              text,
    tag1_text         text,
    tag2              text,
    tag2_text         text,
    file_uri          text,
    file_hash         text,
    feedback_index    numeric(20,0),
    responder         text,
    response_uri      text,
    response_hash     text,
    validator_address text,
    request_uri       text,
    request_hash      text,
    response          smallint      CHECK (response BETWEEN 0 AND 100),
    tag               text,
    tag_text          text,
    created_at        timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (id, timestamp)
) PARTITION BY RANGE (timestamp);

CREATE INDEX events_seq_idx ON events (seq);
CREATE INDEX events_chain_block ON events (chain_id, block_number);
CREATE INDEX events_registry_type ON events (registry, event_type, timestamp);
CREATE INDEX events_agent ON events (agent_id, timestamp) WHERE agent_id IS NOT NULL;
CREATE INDEX events_client ON events (client_address, timestamp) WHERE client_address IS NOT NULL;
CREATE INDEX events_validator ON events (validator_address, timestamp) WHERE validator_address IS NOT NULL;
CREATE INDEX events_tags ON events (tag1_text, tag2_text) WHERE tag1_text IS NOT NULL OR tag2_text IS NOT NULL;

-- Writers to events go one transaction at a time, whoever they are (this verticle or an external
-- indexer writing plain SQL): seq is then assigned in commit order, so a consumer that has read up
-- to seq N never later finds a committed event below N.
CREATE FUNCTION events_serialize_writers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('kos.ingest.events'));
    RETURN NULL;
END
$$;
CREATE TRIGGER events_serialize_writers BEFORE INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_serialize_writers();

-- One notification per statement, carrying the new high-water seq; delivered at commit.
CREATE FUNCTION events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    high_water bigint;
BEGIN
    SELECT max(seq) INTO high_water FROM inserted;
    IF high_water IS NOT NULL THEN
        PERFORM pg_notify('new_event', high_water::text);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER events_notify AFTER INSERT ON events
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION events_notify();

-- Creates the missing monthly partitions covering [from_ts, to_ts] (unix seconds, UTC months).
CREATE FUNCTION ensure_event_partitions(from_ts bigint, to_ts bigint) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    month timestamptz := date_trunc('month', to_timestamp(from_ts) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    next_month timestamptz;
    name text;
    created integer := 0;
BEGIN
    WHILE extract(epoch FROM month) <= to_ts LOOP
        next_month := month + interval '1 month';
        name := 'events_' || to_char(month AT TIME ZONE 'UTC', 'YYYY_MM');
        IF to_regclass(name) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%s) TO (%s)',
                           name, extract(epoch FROM month)::bigint, extract(epoch FROM next_month)::bigint);
            created := created + 1;
        END IF;
        month := next_month;
    END LOOP;
    RETURN created;
END
$$;

-- Drops every partition that holds only events older than cutoff (unix seconds); returns their names.
CREATE FUNCTION drop_event_partitions_before(cutoff bigint) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    part record;
BEGIN
    FOR part IN
        SELECT c.relname, (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''?(\d+)''?\)'))[1]::bigint AS upper_bound
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'events'::regclass
    LOOP
        IF part.upper_bound <= cutoff THEN
            EXECUTE format('DROP TABLE %I', part.relname);
            RETURN NEXT part.relname;
        END IF;
    END LOOP;
END
$$;

CREATE TABLE checkpoints (
    chain_id     bigint      PRIMARY KEY CHECK (chain_id > 0),
    block_number bigint      NOT NULL CHECK (block_number >= 0),
    block_hash   text        NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Hourly counts per chain, registry and event type; refreshed by the verticle on a timer.
CREATE MATERIALIZED VIEW events_hourly AS
    SELECT (timestamp / 3600) * 3600 AS hour, chain_id, registry, event_type, count(*) AS events
    FROM events
    GROUP BY 1, 2, 3, 4
WITH NO DATA;
CREATE UNIQUE INDEX events_hourly_key ON events_hourly (hour, chain_id, registry, event_type);
