-- The report of a roster import batch, one line per data row (keep in step with
-- ../sqlite/0014_import_rows.sql). The preview writes what it found (status create,
-- update, problem or skip, with the row's reasons); the commit adds the member written.
-- Pages of it are read by (region_id, batch_id, [status,] seq); the batch row keeps
-- only counts. Lines go with their batch.
CREATE TABLE import_rows (
    region_id BIGINT NOT NULL,
    batch_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    sheet TEXT NOT NULL,
    row_no BIGINT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    org TEXT NOT NULL,
    detail TEXT NOT NULL,
    note TEXT NOT NULL,
    member_id BIGINT,
    PRIMARY KEY (region_id, batch_id, seq)
);
CREATE INDEX import_rows_status ON import_rows (region_id, batch_id, status, seq);
