-- Every write of a trigger, numbered in commit order: an evaluator applies the changes after the
-- generation it loaded before each range, and commits a range only if no change came after that
-- generation (docs/triggers.md, 'Several nodes'). A bus message may be lost; this may not.
-- The single counter row is updated inside the writing transaction, so writers take its lock in
-- turn and generations commit in order (a sequence would hand them out of commit order).

CREATE TABLE trigger_generation (
    only_row   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    generation bigint  NOT NULL
);

INSERT INTO trigger_generation (generation) VALUES (0);

CREATE TABLE trigger_changes (
    generation bigint      PRIMARY KEY,
    trigger_id uuid        NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION record_trigger_change() RETURNS trigger AS $$
DECLARE
    next bigint;
BEGIN
    UPDATE trigger_generation SET generation = generation + 1 RETURNING generation INTO next;
    INSERT INTO trigger_changes (generation, trigger_id) VALUES (next, CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER triggers_record_change AFTER INSERT OR UPDATE OR DELETE ON triggers
    FOR EACH ROW EXECUTE FUNCTION record_trigger_change();
