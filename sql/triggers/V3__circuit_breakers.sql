-- One circuit breaker per trigger, fed by kos.actions.outcome: consecutive failed deliveries open
-- it for a cooldown, then one fire is let through (half_open) and its outcome closes or reopens
-- it. Its own table: an outcome is not a change of the trigger (trigger_changes stays for edits).
CREATE TABLE trigger_breakers (
    trigger_id           uuid        PRIMARY KEY REFERENCES triggers (id) ON DELETE CASCADE,
    state                text        NOT NULL DEFAULT 'closed' CHECK (state IN ('closed', 'open', 'half_open')),
    consecutive_failures integer     NOT NULL DEFAULT 0,
    opened_at            timestamptz,
    -- the last outcome counted (job id and attempt): every node hears each outcome, one counts it
    last_outcome         text,
    updated_at           timestamptz NOT NULL DEFAULT now()
);
