-- Raw readings are stored as blocks instead of one row each: a block holds
-- readings of one sensor within one hour [H, H+1h), strictly increasing in
-- time, encoded with smartmaint/internal/tsblock (lossless: value, quality,
-- metadata, microsecond timestamps, CRC-32C). start_us and end_us are the
-- block's first and last timestamps and n its number of readings. A
-- reading's key (sensor, timestamp) is stored at most once across all
-- blocks: the write path drops readings already stored (the first write
-- wins), so start_us is unique per sensor. Blocks of one sensor-hour may
-- overlap in time until the compaction job merges them.
--
-- A rowid table: blobs of a few kilobytes stay in the table's leaves and
-- overflow pages instead of being copied into index b-trees.
CREATE TABLE reading_blocks (
    id         INTEGER PRIMARY KEY,
    sensor_key INTEGER NOT NULL,
    start_us   INTEGER NOT NULL,
    end_us     INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    data       BLOB NOT NULL
);

-- Per-sensor reads, the dedup check of late readings, compaction. The index
-- covers the block headers, so that these find the blocks they need without
-- visiting the table. (It does not enforce that start_us is unique per
-- sensor: the write path guarantees that a key is stored once.)
CREATE INDEX reading_blocks_sensor ON reading_blocks (sensor_key, start_us, end_us, n);

-- Listings and exports across many sensors walk time hour by hour; the
-- index covers the block headers they read before opening a block.
CREATE INDEX reading_blocks_start ON reading_blocks (start_us, sensor_key, end_us, n);

-- Sensor-hours that may hold more than one block, for the compaction job:
-- the write path adds one when it writes a block into an hour that may
-- already have blocks; the job merges the hour's blocks and removes it.
CREATE TABLE block_merges (
    sensor_key INTEGER NOT NULL,
    hour       INTEGER NOT NULL,
    PRIMARY KEY (sensor_key, hour)
) WITHOUT ROWID;

-- The rows of the former readings table are moved into blocks by the store
-- when it opens (internal/sqlite/legacy.go), in bounded transactions, and
-- the table is dropped once it is empty.
