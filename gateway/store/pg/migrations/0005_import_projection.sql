-- edc-gateway PostgreSQL store, schema version 5: a writer may keep the recon_row / recon_pos
-- projection (migration 0003) itself, set-wise, in the statement that writes kv, instead of the
-- triggers doing it after each statement. The bank import does (gateway/store/pg/import.ts): its
-- merge into kv returns the rows it inserted or changed, and the same statement inserts their
-- projection (data-modifying CTEs) from columns staged beside each record (computed in Node by
-- gateway/store/pg/import-projection.ts, equal to recon_row_of / recon_pos_of), so PostgreSQL
-- does not parse every imported record again as jsonb (~40% of its CPU per imported row).
-- Such a writer says so for its transaction only: set_config('edc.recon_projection', 'caller', true)
-- (reverts at commit or rollback; a pooled session never keeps it). Every other writer of kv
-- (ingest, reversals, returns, staff actions, a tamperer's UPDATE) leaves the setting unset and the
-- triggers keep the projection as before. Nothing stored changes: no rebuild is needed.

CREATE OR REPLACE FUNCTION recon_projection_by_trigger() RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN coalesce(current_setting('edc.recon_projection', true), '') <> 'caller';

DROP TRIGGER recon_project_insert ON kv;
DROP TRIGGER recon_project_update ON kv;
DROP TRIGGER recon_project_delete ON kv;

CREATE TRIGGER recon_project_insert AFTER INSERT ON kv REFERENCING NEW TABLE AS new_kv
  FOR EACH STATEMENT WHEN (recon_projection_by_trigger()) EXECUTE FUNCTION recon_project_put();
CREATE TRIGGER recon_project_update AFTER UPDATE ON kv REFERENCING NEW TABLE AS new_kv
  FOR EACH STATEMENT WHEN (recon_projection_by_trigger()) EXECUTE FUNCTION recon_project_put();
CREATE TRIGGER recon_project_delete AFTER DELETE ON kv REFERENCING OLD TABLE AS old_kv
  FOR EACH STATEMENT WHEN (recon_projection_by_trigger()) EXECUTE FUNCTION recon_project_delete();
