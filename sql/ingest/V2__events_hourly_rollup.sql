-- events_hourly becomes a rollup table kept by the table's own statement triggers, instead of a
-- materialized view recomputed over the whole log on a timer: /stats is current at commit, and the
-- cost is one small grouped upsert per writing statement, not a scan of the log every minute.
-- Every writer keeps it: the verticle, an external indexer's plain SQL, an operator's DELETE after a
-- reorg. Retention drops partitions, which fires no trigger, so it deletes the dropped hours itself.
-- The functions keep this schema as their search path: a writer's session may have another.

DROP MATERIALIZED VIEW events_hourly;

CREATE TABLE events_hourly (
    hour       bigint NOT NULL,
    chain_id   bigint NOT NULL,
    registry   text   NOT NULL,
    event_type text   NOT NULL,
    events     bigint NOT NULL,
    PRIMARY KEY (hour, chain_id, registry, event_type)
);

INSERT INTO events_hourly (hour, chain_id, registry, event_type, events)
    SELECT (timestamp / 3600) * 3600, chain_id, registry, event_type, count(*) FROM events GROUP BY 1, 2, 3, 4;

-- Deleting takes the writers' lock too, so the rollup only ever changes under that lock: inserts and
-- deletes cannot interleave on its rows.
CREATE TRIGGER events_serialize_deleters BEFORE DELETE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_serialize_writers();

-- The log is immutable (docs/ingest.md): an event is deleted and inserted again, never changed.
CREATE FUNCTION events_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ingest.events is immutable: delete an event and insert it again instead of updating it'
        USING ERRCODE = 'feature_not_supported';
END
$$;
CREATE TRIGGER events_refuse_update BEFORE UPDATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_update();

CREATE FUNCTION events_hourly_count_inserted() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO events_hourly AS h (hour, chain_id, registry, event_type, events)
        SELECT (timestamp / 3600) * 3600, chain_id, registry, event_type, count(*) FROM inserted GROUP BY 1, 2, 3, 4
        ON CONFLICT (hour, chain_id, registry, event_type) DO UPDATE SET events = h.events + EXCLUDED.events;
    RETURN NULL;
END
$$;
CREATE TRIGGER events_hourly_count_inserted AFTER INSERT ON events
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION events_hourly_count_inserted();

CREATE FUNCTION events_hourly_count_deleted() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE events_hourly h SET events = h.events - d.removed
        FROM (SELECT (timestamp / 3600) * 3600 AS hour, chain_id, registry, event_type, count(*) AS removed
              FROM deleted GROUP BY 1, 2, 3, 4) d
        WHERE h.hour = d.hour AND h.chain_id = d.chain_id AND h.registry = d.registry AND h.event_type = d.event_type;
    DELETE FROM events_hourly
        WHERE events <= 0 AND hour BETWEEN (SELECT min(timestamp) / 3600 * 3600 FROM deleted) AND (SELECT max(timestamp) FROM deleted);
    RETURN NULL;
END
$$;
CREATE TRIGGER events_hourly_count_deleted AFTER DELETE ON events
    REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT EXECUTE FUNCTION events_hourly_count_deleted();

CREATE FUNCTION events_hourly_clear() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
BEGIN
    DELETE FROM events_hourly;
    RETURN NULL;
END
$$;
CREATE TRIGGER events_hourly_clear AFTER TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_hourly_clear();

-- Retention: as before, and the dropped partitions' hours leave the rollup with them.
CREATE OR REPLACE FUNCTION drop_event_partitions_before(cutoff bigint) RETURNS SETOF text LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
DECLARE
    part record;
BEGIN
    FOR part IN
        SELECT c.relname, (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \(''?(\d+)''?\) TO \(''?(\d+)''?\)')) AS bounds
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'events'::regclass
    LOOP
        IF part.bounds[2]::bigint <= cutoff THEN
            EXECUTE format('DROP TABLE %I', part.relname);
            DELETE FROM events_hourly WHERE hour >= part.bounds[1]::bigint AND hour < part.bounds[2]::bigint;
            RETURN NEXT part.relname;
        END IF;
    END LOOP;
END
$$;
