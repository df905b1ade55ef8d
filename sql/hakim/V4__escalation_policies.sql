-- Escalation policies as objects of their own (the aggregator's alert_escalation_policies): levels
-- of {after_seconds, channels} that many rules share and that are edited in one place. A rule names
-- one; (policy_id, owner_id) is the key it references, so a rule can only use its owner's policy,
-- and a policy in use cannot be deleted. Rules' embedded escalations (V3) become policies.
CREATE TABLE escalation_policies (
    policy_id  uuid        PRIMARY KEY,
    owner_id   uuid        NOT NULL,
    name       text        NOT NULL,
    levels     jsonb       NOT NULL DEFAULT '[]',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (policy_id, owner_id)
);
CREATE INDEX escalation_policies_owner ON escalation_policies (owner_id, created_at DESC, policy_id DESC);

ALTER TABLE alert_rules ADD COLUMN escalation_policy_id uuid;
INSERT INTO escalation_policies (policy_id, owner_id, name, levels, created_at, updated_at)
    SELECT rule_id, owner_id, name || ' (escalation)', escalation, created_at, updated_at FROM alert_rules WHERE jsonb_array_length(escalation) > 0;
UPDATE alert_rules SET escalation_policy_id = rule_id WHERE jsonb_array_length(escalation) > 0;
ALTER TABLE alert_rules DROP COLUMN escalation,
    ADD CONSTRAINT alert_rules_escalation_policy FOREIGN KEY (escalation_policy_id, owner_id) REFERENCES escalation_policies (policy_id, owner_id);
CREATE INDEX alert_rules_escalation_policy ON alert_rules (escalation_policy_id) WHERE escalation_policy_id IS NOT NULL;
