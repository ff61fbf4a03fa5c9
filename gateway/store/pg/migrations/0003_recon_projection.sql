-- edc-gateway PostgreSQL store, schema version 3: the columns the set-based full recompute
-- (gateway/store/pg/recompute.ts) reads, kept by triggers on kv in the same transaction as the
-- record itself, so that any writer (the store, a bulk loader's COPY, a tamperer's UPDATE) keeps
-- them equal to the JSON records. The JSON records stay the truth; these are their columns.
-- (Version 2 is left to the import path's relational rows table.)

-- One row per disbursement row record (drow!tahap!kpm!bank!reference), with the status it counts
-- under (store/level/disbursements.ts effectiveStatus: a reconciler's settlement of a failed row).
CREATE TABLE recon_row (
  key text COLLATE "C" PRIMARY KEY,
  tahap text COLLATE "C" NOT NULL,
  kpm_id text COLLATE "C" NOT NULL,
  bank text COLLATE "C" NOT NULL,
  reference text COLLATE "C" NOT NULL,
  region_code text COLLATE "C" NOT NULL,
  amount bigint NOT NULL,
  status text NOT NULL
);
CREATE INDEX recon_row_kpm ON recon_row (tahap, kpm_id) INCLUDE (bank, reference, region_code, amount, status);

-- One row per stored position (pos!tahap!kpm): whether it holds withdrawals or reversals (rich:
-- classified in Node by the shared code), else what classification reads of a rows-only position:
-- the place (first row by bank/reference, UNKNOWN without rows) and the sums by status.
CREATE TABLE recon_pos (
  key text COLLATE "C" PRIMARY KEY,
  tahap text COLLATE "C" NOT NULL,
  kpm_id text COLLATE "C" NOT NULL,
  rich boolean NOT NULL,
  place_bank text COLLATE "C" NOT NULL,
  place_region text COLLATE "C" NOT NULL,
  credited bigint NOT NULL,
  failed bigint NOT NULL,
  returned bigint NOT NULL
);
CREATE INDEX recon_pos_rich ON recon_pos (tahap, kpm_id) WHERE rich;
CREATE UNIQUE INDEX recon_pos_kpm ON recon_pos (tahap, kpm_id) INCLUDE (rich, place_bank, place_region, credited, failed, returned);

-- The place key of a row: bank/reference (as gateway/recon/classify.ts placeOf compares them),
-- then \x01 and the region code, so that min() over a KPM's rows names its first row's place.
CREATE FUNCTION recon_place(bank text, reference text, region_code text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN (bank || '/' || reference || E'\x01' || region_code) COLLATE "C";

-- The recon_row of a drow record, and the recon_pos of a pos record (LANGUAGE sql: inlined into
-- the statements below, so one definition serves the trigger and the set-wise backfill).
CREATE FUNCTION recon_row_of(k text, v jsonb) RETURNS SETOF recon_row LANGUAGE sql IMMUTABLE AS $$
  SELECT k, split_part(k, '!', 2), split_part(k, '!', 3), split_part(k, '!', 4),
    substr(k, length(split_part(k, '!', 1)) + length(split_part(k, '!', 2)) + length(split_part(k, '!', 3))
      + length(split_part(k, '!', 4)) + 5),
    v->>'regionCode', (v->>'amount')::bigint,
    CASE v #>> '{settlement,state}' WHEN 'returned' THEN 'returned' WHEN 'redisbursed' THEN 'redisbursed'
      ELSE v->>'status' END
$$;

CREATE FUNCTION recon_pos_of(k text, v jsonb) RETURNS SETOF recon_pos LANGUAGE sql IMMUTABLE AS $$
  SELECT k, split_part(k, '!', 2), split_part(k, '!', 3),
    coalesce(jsonb_array_length(v->'withdrawals'), 0) + coalesce(jsonb_array_length(v->'reversals'), 0) > 0,
    coalesce(split_part(min(p), '/', 1), 'UNKNOWN'), coalesce(split_part(min(p), E'\x01', 2), 'UNKNOWN'),
    coalesce(sum(amount) FILTER (WHERE status = 'credited'), 0)::bigint,
    coalesce(sum(amount) FILTER (WHERE status = 'failed'), 0)::bigint,
    coalesce(sum(amount) FILTER (WHERE status = 'returned'), 0)::bigint
  FROM (
    SELECT recon_place(r->>'bank', r->>'reference', r->>'regionCode') AS p, (r->>'amount')::bigint AS amount,
      r->>'status' AS status
    FROM jsonb_array_elements(coalesce(v->'rows', '[]'::jsonb)) AS r
  ) AS rows
$$;

-- Statement-level triggers with transition tables: one set-wise statement per write statement
-- (a set-wise import inserts thousands of records in one), not a function call per record.
CREATE FUNCTION recon_project_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM recon_row WHERE key IN (SELECT key FROM old_kv WHERE key >= 'drow!' AND key < 'drow"');
  DELETE FROM recon_pos WHERE key IN (SELECT key FROM old_kv WHERE key >= 'pos!' AND key < 'pos"');
  RETURN NULL;
END
$$;

CREATE FUNCTION recon_project_put() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO recon_row SELECT r.* FROM new_kv, LATERAL recon_row_of(new_kv.key, new_kv.value::jsonb) AS r
    WHERE new_kv.key >= 'drow!' AND new_kv.key < 'drow"'
  ON CONFLICT (key) DO UPDATE SET region_code = EXCLUDED.region_code, amount = EXCLUDED.amount,
    status = EXCLUDED.status;
  INSERT INTO recon_pos SELECT p.* FROM new_kv, LATERAL recon_pos_of(new_kv.key, new_kv.value::jsonb) AS p
    WHERE new_kv.key >= 'pos!' AND new_kv.key < 'pos"'
  ON CONFLICT (key) DO UPDATE SET rich = EXCLUDED.rich, place_bank = EXCLUDED.place_bank,
    place_region = EXCLUDED.place_region, credited = EXCLUDED.credited, failed = EXCLUDED.failed,
    returned = EXCLUDED.returned;
  RETURN NULL;
END
$$;

CREATE TRIGGER recon_project_insert AFTER INSERT ON kv REFERENCING NEW TABLE AS new_kv
  FOR EACH STATEMENT EXECUTE FUNCTION recon_project_put();
CREATE TRIGGER recon_project_update AFTER UPDATE ON kv REFERENCING NEW TABLE AS new_kv
  FOR EACH STATEMENT EXECUTE FUNCTION recon_project_put();
CREATE TRIGGER recon_project_delete AFTER DELETE ON kv REFERENCING OLD TABLE AS old_kv
  FOR EACH STATEMENT EXECUTE FUNCTION recon_project_delete();

-- Rebuilds both tables from kv, set-wise: for records written before this version, and for a
-- bulk load that wrote kv with the triggers disabled (bench/lib/recon-load-pg.ts).
CREATE FUNCTION recon_rebuild() RETURNS void LANGUAGE sql AS $$
  TRUNCATE recon_row, recon_pos;
  INSERT INTO recon_row SELECT r.* FROM kv, LATERAL recon_row_of(kv.key, kv.value::jsonb) AS r
    WHERE kv.key >= 'drow!' AND kv.key < 'drow"';
  INSERT INTO recon_pos SELECT p.* FROM kv, LATERAL recon_pos_of(kv.key, kv.value::jsonb) AS p
    WHERE kv.key >= 'pos!' AND kv.key < 'pos"';
$$;

SELECT recon_rebuild();
