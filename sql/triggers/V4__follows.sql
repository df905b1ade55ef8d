-- "Tell me everything about agent 42": one follow makes one managed trigger per registry for one
-- agent; deleting the follow deletes them.
CREATE TABLE follows (
    id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id   uuid        NOT NULL,
    chain_id   bigint      NOT NULL CHECK (chain_id >= 1),
    agent_id   text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX idx_follows_owner_id ON follows (owner_id, id);

ALTER TABLE triggers ADD COLUMN follow_id uuid REFERENCES follows (id) ON DELETE CASCADE;
CREATE INDEX idx_triggers_follow_id ON triggers (follow_id) WHERE follow_id IS NOT NULL;
