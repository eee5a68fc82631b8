-- Every change, one row per key and revision: the full, append-only history and audit trail.
-- Values are kept as the exact bytes received (bytea), like the local store.
CREATE TABLE ssot_history (
  revision        bigint      NOT NULL,
  key             text        NOT NULL,
  type            smallint    NOT NULL CHECK (type IN (1, 2)),  -- 1 put, 2 delete
  value           bytea,                                         -- null for a delete
  create_revision bigint      NOT NULL,
  version         bigint      NOT NULL,
  prev_revision   bigint      NOT NULL,                          -- the key's previous change, 0 if none
  updated_at      timestamptz NOT NULL,
  updated_by      text        NOT NULL,
  PRIMARY KEY (revision, key)                                    -- also serves "everything after R"
);
CREATE INDEX ssot_history_by_key ON ssot_history (key, revision DESC);

-- The current state: one row per live key.
CREATE TABLE ssot_current (
  key             text        PRIMARY KEY,
  value           bytea       NOT NULL,
  revision        bigint      NOT NULL,
  create_revision bigint      NOT NULL,
  version         bigint      NOT NULL,
  prev_revision   bigint      NOT NULL,
  updated_at      timestamptz NOT NULL,
  updated_by      text        NOT NULL
);

-- The write-behind's high-water mark: every revision up to it is in the tables above. Updated
-- in the same transaction as the rows, so it never runs ahead of them.
CREATE TABLE ssot_state (
  id                 smallint PRIMARY KEY CHECK (id = 1),
  persisted_revision bigint   NOT NULL
);
INSERT INTO ssot_state (id, persisted_revision) VALUES (1, 0);
