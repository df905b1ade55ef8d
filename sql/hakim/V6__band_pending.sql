-- The dwell of the hysteresis bands (raise_after_seconds, clear_after_seconds): for each banded code whose
-- figure has crossed its mark but not yet for the dwell, since when (code -> ISO-8601 instant).
ALTER TABLE node_status ADD COLUMN band_pending jsonb NOT NULL DEFAULT '{}';
