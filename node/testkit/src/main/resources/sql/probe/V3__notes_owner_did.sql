-- A note a node creates (over KLF) names the node's DID; owner_id is Caller.nodeOwnerId of it, so
-- OwnerScope scopes nodes and users with one column.
ALTER TABLE notes ADD COLUMN owner_did text;
