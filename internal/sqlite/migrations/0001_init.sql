-- smartmaint schema for SQLite, version 1.
--
-- Times are INTEGER microseconds since the Unix epoch (UTC). JSON objects are
-- TEXT. Every row carries its tenant, directly or through its sensor key:
-- readings and rollups are keyed by sensors.key, a surrogate for
-- (tenant_id, sensor id) taken from AUTOINCREMENT, so a key is never reused,
-- not even after its sensor is deleted. Every read path resolves the key
-- through "sensors WHERE tenant_id = ? AND id = ?", so a reading is only ever
-- reachable from its own tenant, and the tenant ID is not repeated in each of
-- the billions of reading rows.

CREATE TABLE tenants (
    id                    TEXT PRIMARY KEY,
    name                  TEXT NOT NULL,
    raw_retention_days    INTEGER NOT NULL,
    rollup_retention_days INTEGER NOT NULL,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL
);

CREATE TABLE sites (
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    timezone    TEXT NOT NULL DEFAULT '',
    metadata    TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;

CREATE TABLE assets (
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    id          TEXT NOT NULL,
    site_id     TEXT,
    name        TEXT NOT NULL,
    type        TEXT NOT NULL DEFAULT '',
    criticality INTEGER NOT NULL,
    metadata    TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, site_id) REFERENCES sites (tenant_id, id)
) WITHOUT ROWID;

CREATE INDEX assets_site ON assets (tenant_id, site_id);

-- The statistics columns (reading_count .. last_quality) are maintained in
-- the transaction that writes readings, so listings never scan readings.
CREATE TABLE sensors (
    key               INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id         TEXT NOT NULL REFERENCES tenants (id),
    id                TEXT NOT NULL,
    asset_id          TEXT,
    name              TEXT NOT NULL DEFAULT '',
    type              TEXT NOT NULL,
    unit              TEXT NOT NULL DEFAULT '',
    location          TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    expected_min      REAL,
    expected_max      REAL,
    sampling_interval REAL NOT NULL DEFAULT 0,
    alarm_low_low     REAL,
    alarm_low         REAL,
    alarm_high        REAL,
    alarm_high_high   REAL,
    metadata          TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    reading_count     INTEGER NOT NULL DEFAULT 0,
    first_reading_at  INTEGER,
    last_reading_at   INTEGER,
    last_value        REAL,
    last_quality      REAL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, asset_id) REFERENCES assets (tenant_id, id)
);

CREATE INDEX sensors_asset ON sensors (tenant_id, asset_id);

-- Raw readings, clustered by (sensor, time) and free of secondary indexes so
-- that ingest only touches one B-tree. The first write of a key wins.
CREATE TABLE readings (
    sensor_key INTEGER NOT NULL,
    ts         INTEGER NOT NULL,
    value      REAL NOT NULL,
    quality    REAL NOT NULL,
    metadata   BLOB,
    PRIMARY KEY (sensor_key, ts)
) WITHOUT ROWID;

-- Rollups per sensor and bucket start (1 minute, 1 hour): the fields of
-- smartmaint.Rollup, merged at ingest with Chan's formula.
CREATE TABLE rollups_1m (
    sensor_key INTEGER NOT NULL,
    bucket     INTEGER NOT NULL,
    count      INTEGER NOT NULL,
    vmin       REAL NOT NULL,
    vmax       REAL NOT NULL,
    mean       REAL NOT NULL,
    m2         REAL NOT NULL,
    first_ts   INTEGER NOT NULL,
    vfirst     REAL NOT NULL,
    last_ts    INTEGER NOT NULL,
    vlast      REAL NOT NULL,
    PRIMARY KEY (sensor_key, bucket)
) WITHOUT ROWID;

CREATE TABLE rollups_1h (
    sensor_key INTEGER NOT NULL,
    bucket     INTEGER NOT NULL,
    count      INTEGER NOT NULL,
    vmin       REAL NOT NULL,
    vmax       REAL NOT NULL,
    mean       REAL NOT NULL,
    m2         REAL NOT NULL,
    first_ts   INTEGER NOT NULL,
    vfirst     REAL NOT NULL,
    last_ts    INTEGER NOT NULL,
    vlast      REAL NOT NULL,
    PRIMARY KEY (sensor_key, bucket)
) WITHOUT ROWID;

-- Keys of deleted sensors whose readings and rollups are still being purged
-- in bounded chunks by the background job.
CREATE TABLE sensor_purges (
    sensor_key INTEGER PRIMARY KEY
);

CREATE TABLE idempotency_keys (
    tenant_id  TEXT NOT NULL,
    key        TEXT NOT NULL,
    response   BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (tenant_id, key)
);

CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
