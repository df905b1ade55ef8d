-- Every delivery outcome counted by a breaker, by job and attempt: each node hears each outcome
-- and any may store it first, in any order; the insert that wins counts it. Kept a day (pruned by
-- the evaluator), far longer than an outcome takes to reach every node.
CREATE TABLE trigger_outcomes (
    outcome_key text        PRIMARY KEY,
    trigger_id  uuid        NOT NULL,
    counted_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX idx_trigger_outcomes_counted_at ON trigger_outcomes (counted_at);

ALTER TABLE trigger_breakers DROP COLUMN last_outcome;
