-- Control schema: tenants, their API keys, and per-tenant migration records.

-- Tenant roles are cluster-wide; this prefix keeps two Pulse databases on one
-- cluster (tests, staging beside prod) from sharing role names.
CREATE TABLE pulse.settings (
  key   text PRIMARY KEY,
  value text NOT NULL
);
INSERT INTO pulse.settings (key, value)
VALUES ('role_prefix', 'pulse_' || substr(md5(random()::text || clock_timestamp()::text), 1, 8));

CREATE TABLE pulse.tenants (
  id                    text PRIMARY KEY CHECK (id ~ '^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$'),
  name                  text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  schema_name           text NOT NULL UNIQUE,
  role_name             text NOT NULL UNIQUE,
  rate_limit_per_minute integer CHECK (rate_limit_per_minute > 0),
  created_at            timestamptz NOT NULL DEFAULT now()
);

-- Only a SHA-256 of each key is kept; the key itself is shown once.
CREATE TABLE pulse.api_keys (
  id         text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{16}$'),
  tenant_id  text NOT NULL REFERENCES pulse.tenants (id) ON DELETE CASCADE,
  key_hash   bytea NOT NULL CHECK (length(key_hash) = 32),
  scopes     text[] NOT NULL CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['ingest', 'read']),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX api_keys_tenant_id_idx ON pulse.api_keys (tenant_id);

CREATE TABLE pulse.tenant_migrations (
  tenant_id  text NOT NULL REFERENCES pulse.tenants (id) ON DELETE CASCADE,
  version    integer NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, version)
);
