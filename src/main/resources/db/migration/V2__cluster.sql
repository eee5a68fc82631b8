-- Cluster mode. The term: incremented by each node that becomes leader, in the same session that
-- holds the leader's advisory lock. Every write-behind batch reads it (FOR SHARE) in its own
-- transaction and is refused unless it is the writer's: a deposed leader's batches never land.
CREATE TABLE ssot_cluster_term (
  id         smallint    PRIMARY KEY CHECK (id = 1),
  term       bigint      NOT NULL,
  leader_id  text,
  leader_url text,
  since      timestamptz NOT NULL
);
INSERT INTO ssot_cluster_term (id, term, since) VALUES (1, 0, now());

-- Membership: each node heartbeats its row.
CREATE TABLE ssot_cluster_members (
  id               text        PRIMARY KEY,
  url              text        NOT NULL,
  role             text        NOT NULL,
  applied_revision bigint      NOT NULL,
  last_seen        timestamptz NOT NULL
);
