-- smartmaint PostgreSQL schema, version 1.
--
-- Every row carries its tenant. Sensors get an internal integer key that
-- readings, rollups and rollup markers use instead of the (tenant, sensor ID)
-- pair: a key identifies exactly one (tenant, sensor), so the readings key
-- (sensor_key, ts) is the (tenant, sensor, timestamp) key of the domain.
-- Identifiers use the "C" collation: listings are in byte order whatever the
-- database's locale.

CREATE TABLE settings (
	name  text PRIMARY KEY,
	value text NOT NULL
);

CREATE TABLE tenants (
	id                    text COLLATE "C" PRIMARY KEY,
	name                  text NOT NULL,
	raw_retention_days    integer NOT NULL CHECK (raw_retention_days >= 1),
	rollup_retention_days integer NOT NULL CHECK (rollup_retention_days >= raw_retention_days),
	created_at            timestamptz NOT NULL,
	updated_at            timestamptz NOT NULL
);

CREATE TABLE sites (
	tenant_id   text COLLATE "C" NOT NULL REFERENCES tenants (id),
	id          text COLLATE "C" NOT NULL,
	name        text NOT NULL,
	description text NOT NULL DEFAULT '',
	timezone    text NOT NULL DEFAULT '',
	metadata    jsonb,
	created_at  timestamptz NOT NULL,
	updated_at  timestamptz NOT NULL,
	PRIMARY KEY (tenant_id, id)
);

CREATE TABLE assets (
	tenant_id   text COLLATE "C" NOT NULL REFERENCES tenants (id),
	id          text COLLATE "C" NOT NULL,
	site_id     text COLLATE "C",
	name        text NOT NULL,
	type        text NOT NULL DEFAULT '',
	criticality integer NOT NULL CHECK (criticality BETWEEN 1 AND 5),
	metadata    jsonb,
	created_at  timestamptz NOT NULL,
	updated_at  timestamptz NOT NULL,
	PRIMARY KEY (tenant_id, id),
	-- Deleting a site that assets still reference fails (23503).
	CONSTRAINT assets_site_fkey FOREIGN KEY (tenant_id, site_id) REFERENCES sites (tenant_id, id)
);
CREATE INDEX assets_site_idx ON assets (tenant_id, site_id);

CREATE TABLE sensors (
	key               bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
	tenant_id         text COLLATE "C" NOT NULL REFERENCES tenants (id),
	id                text COLLATE "C" NOT NULL,
	asset_id          text COLLATE "C",
	name              text NOT NULL DEFAULT '',
	type              text NOT NULL,
	unit              text NOT NULL DEFAULT '',
	location          text NOT NULL DEFAULT '',
	status            text NOT NULL,
	description       text NOT NULL DEFAULT '',
	expected_min      double precision,
	expected_max      double precision,
	sampling_interval double precision NOT NULL DEFAULT 0,
	alarm_low_low     double precision,
	alarm_low         double precision,
	alarm_high        double precision,
	alarm_high_high   double precision,
	metadata          jsonb,
	created_at        timestamptz NOT NULL,
	updated_at        timestamptz NOT NULL,
	-- Statistics of the stored raw readings, maintained by every write and by
	-- retention in the same transaction as the readings they describe.
	reading_count     bigint NOT NULL DEFAULT 0,
	first_reading_at  timestamptz,
	last_reading_at   timestamptz,
	last_value        double precision,
	last_quality      double precision,
	PRIMARY KEY (tenant_id, id),
	-- Deleting an asset detaches its sensors.
	CONSTRAINT sensors_asset_fkey FOREIGN KEY (tenant_id, asset_id)
		REFERENCES assets (tenant_id, id) ON DELETE SET NULL (asset_id)
) WITH (fillfactor = 50); -- room for HOT updates of the statistics
CREATE INDEX sensors_asset_idx ON sensors (tenant_id, asset_id);

-- Raw readings, one partition per time range (created ahead by a background
-- job and on demand before a write that needs one). There is no default
-- partition: a reading outside every partition is an error the writer cures
-- by creating the partition.
CREATE TABLE readings (
	sensor_key bigint NOT NULL,
	ts         timestamptz NOT NULL,
	value      double precision NOT NULL,
	quality    double precision NOT NULL,
	tenant_id  text COLLATE "C" NOT NULL,
	metadata   json,
	PRIMARY KEY (sensor_key, ts)
) PARTITION BY RANGE (ts);
-- Serves listings across all sensors of a tenant (newest first) and the
-- deletion of one tenant's old readings.
CREATE INDEX readings_tenant_ts_idx ON readings (tenant_id, ts);

-- Rollups are upserted by every write. Only the primary key is indexed and
-- pages keep free space, so most updates are HOT (no index maintenance);
-- retention finds a tenant's old buckets through its sensors' keys.
CREATE TABLE rollups_1m (
	sensor_key bigint NOT NULL,
	bucket     timestamptz NOT NULL,
	tenant_id  text COLLATE "C" NOT NULL,
	count      bigint NOT NULL,
	min        double precision NOT NULL,
	max        double precision NOT NULL,
	mean       double precision NOT NULL,
	m2         double precision NOT NULL,
	first_time timestamptz NOT NULL,
	first      double precision NOT NULL,
	last_time  timestamptz NOT NULL,
	last       double precision NOT NULL,
	PRIMARY KEY (sensor_key, bucket)
) WITH (fillfactor = 70);

CREATE TABLE rollups_1h (LIKE rollups_1m INCLUDING ALL) WITH (fillfactor = 70);

CREATE TABLE idempotency_keys (
	tenant_id  text COLLATE "C" NOT NULL REFERENCES tenants (id),
	key        text COLLATE "C" NOT NULL,
	response   bytea,
	created_at timestamptz NOT NULL,
	PRIMARY KEY (tenant_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
