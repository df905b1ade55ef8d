-- A decision the Hakim did not take when this node's admin made it (the Hakim was down, or its
-- answer was lost) is sent again until it does: hakim_notified_at once it took it (or answered that
-- it has its own word on the job), otherwise retried at notify_next_at, backing off.
ALTER TABLE maintenance_requests ADD COLUMN hakim_notified_at timestamptz;
ALTER TABLE maintenance_requests ADD COLUMN notify_attempts integer NOT NULL DEFAULT 0;
ALTER TABLE maintenance_requests ADD COLUMN notify_next_at timestamptz;
-- Decisions made before this migration count as delivered: they were sent once, as then.
UPDATE maintenance_requests SET hakim_notified_at = decided_at WHERE decided_at IS NOT NULL;
CREATE INDEX maintenance_requests_undelivered ON maintenance_requests (notify_next_at)
    WHERE hakim_notified_at IS NULL AND status IN ('Approved', 'Rejected');
