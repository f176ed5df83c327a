-- smartmaint PostgreSQL schema, version 2: users, memberships, sessions, API
-- keys and the audit log.

-- Users are platform-wide; the store keeps Email normalised (trimmed,
-- lower-case), so the unique index makes emails unique case-insensitively.
CREATE TABLE users (
	id                text COLLATE "C" PRIMARY KEY,
	email             text COLLATE "C" NOT NULL,
	name              text NOT NULL,
	platform_operator boolean NOT NULL DEFAULT false,
	disabled          boolean NOT NULL DEFAULT false,
	password_hash     text NOT NULL,
	failed_logins     integer NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
	locked_until      timestamptz,
	last_login_at     timestamptz,
	created_at        timestamptz NOT NULL,
	updated_at        timestamptz NOT NULL,
	CONSTRAINT users_email_key UNIQUE (email)
);

CREATE TABLE memberships (
	user_id    text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	tenant_id  text COLLATE "C" NOT NULL REFERENCES tenants (id),
	role       text NOT NULL CHECK (role IN ('viewer', 'technician', 'engineer', 'admin')),
	created_at timestamptz NOT NULL,
	PRIMARY KEY (user_id, tenant_id)
);
CREATE INDEX memberships_tenant_idx ON memberships (tenant_id, user_id);

-- Sessions keep the SHA-256 of the cookie token only. tenant_id is NULL for
-- a session that acts in no tenant (a platform operator's).
CREATE TABLE sessions (
	id              text COLLATE "C" PRIMARY KEY,
	token_hash      text COLLATE "C" NOT NULL,
	user_id         text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	tenant_id       text COLLATE "C" REFERENCES tenants (id),
	csrf_token      text NOT NULL,
	created_at      timestamptz NOT NULL,
	last_seen_at    timestamptz NOT NULL,
	expires_at      timestamptz NOT NULL,
	idle_timeout_ns bigint NOT NULL CHECK (idle_timeout_ns >= 0),
	user_agent      text NOT NULL DEFAULT '',
	client_ip       text NOT NULL DEFAULT '',
	revoked_at      timestamptz,
	CONSTRAINT sessions_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX sessions_user_idx ON sessions (user_id, created_at);

-- API keys keep the SHA-256 of the secret only; the key ID is unique within
-- its tenant, so choosing an ID reveals nothing about other tenants.
CREATE TABLE api_keys (
	tenant_id    text COLLATE "C" NOT NULL REFERENCES tenants (id),
	id           text COLLATE "C" NOT NULL,
	name         text NOT NULL,
	prefix       text NOT NULL DEFAULT '',
	hash         text COLLATE "C" NOT NULL,
	scopes       text[] NOT NULL,
	created_by   text NOT NULL DEFAULT '',
	created_at   timestamptz NOT NULL,
	expires_at   timestamptz,
	last_used_at timestamptz,
	revoked_at   timestamptz,
	PRIMARY KEY (tenant_id, id),
	CONSTRAINT api_keys_hash_key UNIQUE (hash)
);
CREATE INDEX api_keys_tenant_created_idx ON api_keys (tenant_id, created_at);

-- The audit log: one hash chain per tenant (tenant_id '' is the platform's),
-- seq 1, 2, 3, … per chain. It has no foreign key: the record outlives what
-- it describes. summary is text, not jsonb, because the hash covers its exact
-- bytes.
CREATE TABLE audit_log (
	tenant_id   text COLLATE "C" NOT NULL,
	seq         bigint NOT NULL CHECK (seq >= 1),
	time        timestamptz NOT NULL,
	actor_kind  text NOT NULL,
	actor_id    text NOT NULL DEFAULT '',
	action      text NOT NULL,
	target_type text NOT NULL DEFAULT '',
	target_id   text NOT NULL DEFAULT '',
	request_id  text NOT NULL DEFAULT '',
	client_ip   text NOT NULL DEFAULT '',
	summary     text,
	prev_hash   text NOT NULL,
	hash        text NOT NULL,
	PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX audit_log_target_idx ON audit_log (tenant_id, target_type, target_id, seq);
CREATE INDEX audit_log_actor_idx ON audit_log (tenant_id, actor_id, seq);
CREATE INDEX audit_log_action_idx ON audit_log (tenant_id, action, seq);
CREATE INDEX audit_log_time_idx ON audit_log (tenant_id, time);

-- Append-only: rows can be inserted, never changed or removed, whoever asks
-- (short of disabling the triggers, which the hash chain then exposes).
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
		USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
