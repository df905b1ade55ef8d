-- The target's KLF task of a Running job, so that a Hakim restarted while the task runs follows it
-- again (task_status) to its end instead of leaving the job Running.
ALTER TABLE maintenance_jobs ADD COLUMN target_task_id text;
