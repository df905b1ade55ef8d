-- The triggers verticle's tables: the seed's triggers, trigger_conditions, trigger_actions and
-- trigger_state (seed 003), changed where docs/triggers.md says why, plus what exactly-once
-- evaluation needs: the consumer cursor, the fires (history and outbox in one table).

CREATE OR REPLACE FUNCTION update_updated_at_column() RETURNS trigger AS $$
BEGIN
    NEW.updated_at = now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- owner_id is the node user's id; no foreign key: users live in the node's schema, and a verticle
-- reads only its own (docs/triggers.md)
CREATE TABLE triggers (
    id                  uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id            uuid        NOT NULL,
    name                text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description         text        CHECK (length(description) <= 2000),
    chain_id            bigint      NOT NULL CHECK (chain_id >= 1),
    registry            text        NOT NULL CHECK (registry IN ('identity', 'reputation', 'validation')),
    enabled             boolean     NOT NULL DEFAULT true,
    is_stateful         boolean     NOT NULL DEFAULT false,
    -- fires per hour before further fires are recorded as suppressed
    fire_limit_per_hour integer     NOT NULL DEFAULT 100 CHECK (fire_limit_per_hour BETWEEN 1 AND 100000),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX idx_triggers_owner_id ON triggers (owner_id, id);
CREATE INDEX idx_triggers_chain_registry_enabled ON triggers (chain_id, registry, enabled) WHERE enabled = true;

CREATE TRIGGER update_triggers_updated_at BEFORE UPDATE ON triggers
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TABLE trigger_conditions (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    trigger_id     uuid        NOT NULL REFERENCES triggers (id) ON DELETE CASCADE,
    -- the condition's index in the trigger as written (errors and dry runs name it)
    position       integer     NOT NULL,
    condition_type text        NOT NULL,
    field          text        NOT NULL,
    operator       text        NOT NULL,
    -- the value as JSON text (a number, a string or an array); checked by the verticle when written
    value          text        NOT NULL,
    config         jsonb,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (trigger_id, position)
);

CREATE TABLE trigger_actions (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    trigger_id  uuid        NOT NULL REFERENCES triggers (id) ON DELETE CASCADE,
    action_type text        NOT NULL CHECK (action_type IN ('telegram', 'rest', 'mcp')),
    -- lower runs first
    priority    integer     NOT NULL DEFAULT 1 CHECK (priority BETWEEN 0 AND 100),
    config      jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX idx_trigger_actions_trigger_id ON trigger_actions (trigger_id);

-- One row per stateful condition (the seed keeps one per trigger, which a second stateful
-- condition would overwrite). last_seq: the newest event applied, so a replay never counts twice.
CREATE TABLE trigger_state (
    condition_id bigint      PRIMARY KEY REFERENCES trigger_conditions (id) ON DELETE CASCADE,
    trigger_id   uuid        NOT NULL REFERENCES triggers (id) ON DELETE CASCADE,
    state_data   jsonb       NOT NULL,
    last_seq     bigint      NOT NULL,
    last_updated timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX idx_trigger_state_trigger_id ON trigger_state (trigger_id);

-- The evaluator's durable cursor over ingest's log: the last seq whose decisions are committed.
CREATE TABLE trigger_cursor (
    consumer   text        PRIMARY KEY,
    last_seq   bigint      NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every fire decision: the history users read and the outbox the relay drains. A fire with
-- suppressed set is recorded only; one with job_id null and suppressed null is still to enqueue.
CREATE TABLE trigger_fires (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    idempotency_key text        NOT NULL UNIQUE,
    trigger_id      uuid        NOT NULL REFERENCES triggers (id) ON DELETE CASCADE,
    action_id       bigint      NOT NULL,
    event_id        text        NOT NULL,
    event_seq       bigint      NOT NULL,
    decided_at      timestamptz NOT NULL DEFAULT now(),
    suppressed      text,
    -- what kos.actions.enqueue receives, kept until it is acknowledged
    request         jsonb,
    job_id          text,
    enqueued_at     timestamptz
);

CREATE INDEX idx_trigger_fires_trigger ON trigger_fires (trigger_id, id DESC);
CREATE INDEX idx_trigger_fires_outbox ON trigger_fires (id) WHERE job_id IS NULL AND suppressed IS NULL;
