-- edc-gateway PostgreSQL store, schema version 4: positions (pos!tahap!kpm) are written in the
-- compact form of gateway/store/level/position-codec.ts (version 2, a positional array:
-- [2, rows, withdrawals?, reversals?, resolutions?], each row [bank, reference, regionCode,
-- amount, status, ...]); version 1 records (the RawFacts object) stay until next written. The
-- recon_pos projection reads either: on an array, `->'name'` is NULL, and on an object `->n` is
-- NULL, so each field is the coalesce of its two spellings. Nothing stored changes here.

CREATE OR REPLACE FUNCTION recon_pos_of(k text, v jsonb) RETURNS SETOF recon_pos LANGUAGE sql IMMUTABLE AS $$
  SELECT k, split_part(k, '!', 2), split_part(k, '!', 3),
    coalesce(jsonb_array_length(coalesce(v->'withdrawals', v->2)), 0)
      + coalesce(jsonb_array_length(coalesce(v->'reversals', v->3)), 0) > 0,
    coalesce(split_part(min(p), '/', 1), 'UNKNOWN'), coalesce(split_part(min(p), E'\x01', 2), 'UNKNOWN'),
    coalesce(sum(amount) FILTER (WHERE status = 'credited'), 0)::bigint,
    coalesce(sum(amount) FILTER (WHERE status = 'failed'), 0)::bigint,
    coalesce(sum(amount) FILTER (WHERE status = 'returned'), 0)::bigint
  FROM (
    SELECT recon_place(coalesce(r->>'bank', r->>0), coalesce(r->>'reference', r->>1),
        coalesce(r->>'regionCode', r->>2)) AS p,
      coalesce(r->>'amount', r->>3)::bigint AS amount, coalesce(r->>'status', r->>4) AS status
    FROM jsonb_array_elements(coalesce(v->'rows', v->1, '[]'::jsonb)) AS r
  ) AS rows
$$;
