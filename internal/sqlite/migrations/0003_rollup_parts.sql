-- Rollups are merged from partial aggregates instead of being recomputed
-- from raw readings: the write transaction stores, per sensor and minute,
-- the summary (smartmaint.Rollup fields) of the readings it actually stored,
-- and the rollup job merges these parts into rollups_1m and rollups_1h with
-- Chan's formula and deletes them, in one transaction, so that each part
-- counts exactly once. rollup_dirty stays for the marks that databases
-- written before this migration may still hold; the job still recomputes
-- those minutes from raw readings.
CREATE TABLE rollup_parts (
    id         INTEGER PRIMARY KEY,
    sensor_key INTEGER NOT NULL,
    minute     INTEGER NOT NULL,
    count      INTEGER NOT NULL,
    vmin       REAL NOT NULL,
    vmax       REAL NOT NULL,
    mean       REAL NOT NULL,
    m2         REAL NOT NULL,
    first_ts   INTEGER NOT NULL,
    vfirst     REAL NOT NULL,
    last_ts    INTEGER NOT NULL,
    vlast      REAL NOT NULL
);
