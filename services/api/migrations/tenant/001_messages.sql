-- Runs with search_path set to the tenant's schema: names stay unqualified.

-- id is taken under a per-tenant lock at insert time, so ids become visible in
-- commit order: cursors and stream resumption by id never skip a late commit.
CREATE TABLE messages (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id  text NOT NULL CHECK (length(message_id) BETWEEN 1 AND 128),
  datetime    timestamptz NOT NULL,
  environment text NOT NULL CHECK (environment ~ '^[a-z0-9_-]{1,32}$'),
  source      text CHECK (length(source) BETWEEN 1 AND 128),
  payload     jsonb CHECK (payload IS NULL OR jsonb_typeof(payload) = 'object'),
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT messages_message_id_key UNIQUE (message_id)
);

CREATE INDEX messages_environment_id_idx ON messages (environment, id DESC);
CREATE INDEX messages_datetime_idx ON messages (datetime);
CREATE INDEX messages_created_at_idx ON messages (created_at);
