-- smartmaint SQLite schema, version 4: users, memberships, sessions, API keys
-- and the audit log. Times are INTEGER microseconds since the Unix epoch
-- (UTC), booleans INTEGER 0 or 1, as in 0001.

-- Users are platform-wide; the store keeps email normalised (trimmed,
-- lower-case), so the unique constraint makes emails unique whatever their
-- case.
CREATE TABLE users (
    id                TEXT PRIMARY KEY,
    email             TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    platform_operator INTEGER NOT NULL DEFAULT 0,
    disabled          INTEGER NOT NULL DEFAULT 0,
    password_hash     TEXT NOT NULL,
    failed_logins     INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
    locked_until      INTEGER,
    last_login_at     INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);

CREATE TABLE memberships (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    role       TEXT NOT NULL CHECK (role IN ('viewer', 'technician', 'engineer', 'admin')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, tenant_id)
) WITHOUT ROWID;

CREATE INDEX memberships_tenant ON memberships (tenant_id, user_id);

-- Sessions keep the SHA-256 of the cookie token only. tenant_id is NULL for
-- a session that acts in no tenant (a platform operator's).
CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,
    token_hash      TEXT NOT NULL UNIQUE,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id       TEXT REFERENCES tenants (id),
    csrf_token      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    last_seen_at    INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    idle_timeout_ns INTEGER NOT NULL CHECK (idle_timeout_ns >= 0),
    user_agent      TEXT NOT NULL DEFAULT '',
    client_ip       TEXT NOT NULL DEFAULT '',
    revoked_at      INTEGER
);

CREATE INDEX sessions_user ON sessions (user_id, created_at);

-- API keys keep the SHA-256 of the secret only; the key ID is unique within
-- its tenant, so choosing an ID reveals nothing about other tenants. scopes
-- is a JSON array of permission names.
CREATE TABLE api_keys (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    id           TEXT NOT NULL,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL DEFAULT '',
    hash         TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER,
    revoked_at   INTEGER,
    PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;

CREATE INDEX api_keys_tenant_created ON api_keys (tenant_id, created_at);

-- The audit log: one hash chain per tenant (tenant_id '' is the platform's),
-- seq 1, 2, 3, … per chain. It has no foreign key: the record outlives what
-- it describes. summary is the exact JSON text the hash covers.
CREATE TABLE audit_log (
    tenant_id   TEXT NOT NULL,
    seq         INTEGER NOT NULL CHECK (seq >= 1),
    time        INTEGER NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_id    TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL DEFAULT '',
    target_id   TEXT NOT NULL DEFAULT '',
    request_id  TEXT NOT NULL DEFAULT '',
    client_ip   TEXT NOT NULL DEFAULT '',
    summary     TEXT,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
) WITHOUT ROWID;

CREATE INDEX audit_log_target ON audit_log (tenant_id, target_type, target_id, seq);
CREATE INDEX audit_log_actor ON audit_log (tenant_id, actor_id, seq);
CREATE INDEX audit_log_action ON audit_log (tenant_id, action, seq);
CREATE INDEX audit_log_time ON audit_log (tenant_id, time);

-- Append-only: rows can be inserted, never changed or removed, whoever asks
-- (short of dropping the triggers, which the hash chain then exposes). A
-- DELETE without WHERE fires them too: SQLite skips its truncate shortcut on
-- a table with triggers. INSERT OR REPLACE would remove the row it replaces
-- without firing a DELETE trigger (recursive_triggers is off by default), so
-- an insert over an existing entry is refused before it happens.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused');
END;

CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
WHEN EXISTS (SELECT 1 FROM audit_log WHERE tenant_id = NEW.tenant_id AND seq = NEW.seq)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: an existing entry cannot be replaced');
END;
