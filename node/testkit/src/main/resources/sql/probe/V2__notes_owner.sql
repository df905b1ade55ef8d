-- Notes belong to the user who wrote them: the owned resource of the isolation tests.
ALTER TABLE notes ADD COLUMN owner_id uuid NOT NULL;
CREATE INDEX notes_owner ON notes (owner_id, id);
