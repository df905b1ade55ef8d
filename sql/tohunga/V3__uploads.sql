-- Chunked file uploads (the Data Aggregator's file_uploads): chunks sent in any order, resumable,
-- written in place into <data_dir>/uploads/<id>.part on the node that holds the upload, verified
-- by SHA-256 when completed; an `upload` source reads a completed upload.

CREATE TABLE file_uploads (
    upload_id    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    filename     text NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
    -- declared by the client when it starts: the file's size and SHA-256, the chunk size
    size         bigint NOT NULL CHECK (size > 0),
    sha256       char(64) NOT NULL,
    chunk_size   integer NOT NULL CHECK (chunk_size > 0),
    total_chunks integer NOT NULL CHECK (total_chunks > 0),
    status       varchar(20) NOT NULL CHECK (status IN ('uploading', 'uploaded')),
    -- sniffed when completed: json, json_lines, csv, xml or other, and gzip when compressed
    file_type    varchar(20),
    compression  varchar(10),
    mime_type    varchar(100),
    -- the DID of the node whose data dir holds the file
    stored_on    varchar(255) NOT NULL,
    -- an unfinished upload is deleted after this; null once completed
    expires_at   timestamptz,
    owner_id     uuid NOT NULL,
    owner_did    varchar(255),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX file_uploads_owner ON file_uploads (owner_id, created_at DESC, upload_id DESC);
CREATE INDEX file_uploads_expiring ON file_uploads (stored_on, expires_at) WHERE status = 'uploading';
CREATE TRIGGER update_file_uploads_updated_at BEFORE UPDATE ON file_uploads
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TABLE upload_chunks (
    upload_id    uuid NOT NULL REFERENCES file_uploads (upload_id) ON DELETE CASCADE,
    chunk_number integer NOT NULL,
    bytes        integer NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (upload_id, chunk_number)
);
