-- edc-gateway PostgreSQL store, schema version 1 (gateway/store/pg/README.md describes each table).
-- Keys are the record keys of gateway/store/level/keys.ts, compared byte by byte (COLLATE "C"),
-- so a range read returns them in the order the LevelDB store does.

-- Every record that has no table of its own: agents, positions, rows, entries, evidence, sets,
-- category indexes, exceptions, audit, tokens, reconcile results.
CREATE TABLE kv (
  key text COLLATE "C" PRIMARY KEY,
  value text NOT NULL
);

-- Each agent's accepted chain: at most one entry per (agent, seq), whatever replica writes it.
CREATE TABLE chain (
  key text COLLATE "C" PRIMARY KEY,
  agent_id text NOT NULL,
  seq bigint NOT NULL CHECK (seq >= 1),
  value text NOT NULL,
  CONSTRAINT chain_agent_seq UNIQUE (agent_id, seq)
);

-- Each agent's head: the row an upload locks (SELECT ... FOR UPDATE) before it extends the chain.
CREATE TABLE chain_head (
  key text COLLATE "C" PRIMARY KEY,
  agent_id text NOT NULL UNIQUE,
  value text NOT NULL
);

-- Continuous counters (ctr!) and settlements (stl!), each split over shards that concurrent
-- writers pick at random, summed on read: no single row every upload must lock.
CREATE TABLE counter_shard (
  key text COLLATE "C" NOT NULL,
  shard smallint NOT NULL CHECK (shard >= 0),
  value text NOT NULL,
  PRIMARY KEY (key, shard)
);

-- The replay guard shared by all replicas: a nonce is held until expires_at (epoch ms).
CREATE TABLE nonce (
  agent_id text NOT NULL,
  nonce text NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (agent_id, nonce)
);
CREATE INDEX nonce_expiry ON nonce (expires_at);
