-- The identity registry is an ERC-721: its Transfer says who owns an agent now, which the actions
-- verticle needs (kos.ingest.agents.get). A Transfer(from, to, tokenId) is an identity event:
-- agent_id = tokenId, owner = to, previous_owner = from. The agent lookup reads one agent's identity
-- events through this index rather than scanning the log.
ALTER TABLE events ADD COLUMN previous_owner text;
CREATE INDEX events_agent_identity ON events (chain_id, agent_id, seq) WHERE registry = 'identity';
