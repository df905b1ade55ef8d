-- Where a node that asked for maintenance over KLF (request_maintenance with metadata.reply_to)
-- hears of each later step of its job: Approved, Running, and the end.
ALTER TABLE maintenance_jobs ADD COLUMN reply_to text;
