-- Alert rules and alerts (the Data Aggregator's alert_rules and alerts, for health reports): a rule
-- on a report metric or a diagnosis code, notified through the actions verticle, escalated by
-- levels with delays (kept on the rule: its escalation policy). An alert is active, acknowledged,
-- resolved (by hand, or when its condition clears) and closed once its rule's cooldown has passed.
CREATE TABLE alert_rules (
    rule_id          uuid             PRIMARY KEY,
    owner_id         uuid             NOT NULL,
    name             text             NOT NULL,
    target_node_did  text,
    metric           text,
    diagnosis_code   text,
    operator         text             NOT NULL CHECK (operator IN ('gt', 'gte', 'lt', 'lte', 'eq')),
    threshold        double precision,
    window_seconds   integer          NOT NULL DEFAULT 0 CHECK (window_seconds >= 0),
    severity         text             NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    cooldown_seconds integer          NOT NULL DEFAULT 300 CHECK (cooldown_seconds >= 0),
    channels         jsonb            NOT NULL DEFAULT '[]',
    escalation       jsonb            NOT NULL DEFAULT '[]',
    enabled          boolean          NOT NULL DEFAULT true,
    created_at       timestamptz      NOT NULL DEFAULT now(),
    updated_at       timestamptz      NOT NULL DEFAULT now(),
    CHECK ((metric IS NULL) <> (diagnosis_code IS NULL))
);
CREATE INDEX alert_rules_owner ON alert_rules (owner_id, created_at DESC, rule_id DESC);

CREATE TABLE alerts (
    alert_id         uuid             PRIMARY KEY,
    rule_id          uuid             NOT NULL REFERENCES alert_rules ON DELETE CASCADE,
    owner_id         uuid             NOT NULL,
    target_node_did  text             NOT NULL,
    status           text             NOT NULL CHECK (status IN ('active', 'acknowledged', 'resolved', 'closed')),
    severity         text             NOT NULL,
    message          text             NOT NULL,
    value            double precision,
    escalation_level integer          NOT NULL DEFAULT 0,
    notifications    jsonb            NOT NULL DEFAULT '[]',
    created_at       timestamptz      NOT NULL DEFAULT now(),
    acknowledged_at  timestamptz,
    resolved_at      timestamptz,
    closed_at        timestamptz
);
-- one open alert per rule and target: a race of two reports opens one
CREATE UNIQUE INDEX alerts_open ON alerts (rule_id, target_node_did) WHERE status IN ('active', 'acknowledged', 'resolved');
CREATE INDEX alerts_owner ON alerts (owner_id, created_at DESC, alert_id DESC);
