-- klf_stream outputs arriving from other nodes: records sent as signed KLF messages (append_stream)
-- in numbered batches, each acknowledged once it is on disk and counted here, so a sender that
-- retries (after a timeout, or after this node restarted) continues where the last acknowledged
-- batch ended. The file is <data_dir>/assets/<asset_id>.<ext>.stream on the node that holds it;
-- the closing batch makes it an asset of kind 'received', owned by the sending node.

ALTER TABLE assets DROP CONSTRAINT assets_kind_check;
ALTER TABLE assets ADD CONSTRAINT assets_kind_check CHECK (kind IN ('result', 'dead_letter', 'received'));

CREATE TABLE inbound_streams (
    -- chosen by the sender (its job id); one sender's ids cannot collide with another's
    owner_id      uuid NOT NULL,
    stream_id     uuid NOT NULL,
    sender_did    varchar(255) NOT NULL,
    -- the sending job, on the sender
    sender_job_id uuid,
    format        varchar(20) NOT NULL CHECK (format IN ('json_lines', 'csv')),
    status        varchar(20) NOT NULL CHECK (status IN ('open', 'completed', 'aborted', 'expired')),
    -- the next batch expected; records and bytes acknowledged so far
    next_seq      bigint NOT NULL DEFAULT 0,
    records       bigint NOT NULL DEFAULT 0,
    bytes         bigint NOT NULL DEFAULT 0,
    -- a CSV stream's header, fixed by its first record
    csv_columns   jsonb,
    -- the asset the stream becomes (its row exists once completed)
    asset_id      uuid NOT NULL,
    sha256        char(64),
    -- why it was aborted or expired
    message       text,
    stored_on     varchar(255) NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner_id, stream_id)
);
CREATE INDEX inbound_streams_owner ON inbound_streams (owner_id, created_at DESC, stream_id DESC);
CREATE INDEX inbound_streams_open ON inbound_streams (stored_on, updated_at) WHERE status = 'open';
CREATE TRIGGER update_inbound_streams_updated_at BEFORE UPDATE ON inbound_streams
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
