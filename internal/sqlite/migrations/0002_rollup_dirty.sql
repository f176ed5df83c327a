-- Rollups are recomputed from raw readings by a background job instead of
-- being merged at ingest: the write transaction marks the (minute, sensor)
-- buckets it touched, the job recomputes them (and their hours) and clears
-- the marks. seq changes at every write, so a mark made again while its
-- minute was being recomputed survives for the next pass. The key starts
-- with the minute so that marks of current data are appended together.
CREATE TABLE rollup_dirty (
    minute     INTEGER NOT NULL,
    sensor_key INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    PRIMARY KEY (minute, sensor_key)
) WITHOUT ROWID;
