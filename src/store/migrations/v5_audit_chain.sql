-- Version 4 → 5: a tamper-evident, append-only audit log.
--
-- Each row gets the real time it was written (recorded_at, with UTC offset, whatever --today
-- says) and a hash: SHA-256 over the previous row's hash and this row's content, so a row
-- changed or deleted afterwards breaks the chain (`inntak verify`). The existing rows are
-- chained once by the upgrade itself (Rust, after this file), which is then logged.
CREATE TABLE audit_log_new (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    entity       TEXT NOT NULL,
    entity_id    INTEGER,
    details      TEXT NOT NULL DEFAULT '{}',
    recorded_at  TEXT NOT NULL DEFAULT '',
    hash         TEXT NOT NULL DEFAULT ''
) STRICT;

INSERT INTO audit_log_new (id, at, actor, action, entity, entity_id, details)
    SELECT id, at, actor, action, entity, entity_id, details FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_new RENAME TO audit_log;
CREATE INDEX audit_by_entity ON audit_log (entity, entity_id);

-- Rows are only ever added. The one exception is the upgrade filling in the hash of a row
-- written before version 5 (hash still empty), once.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    WHEN OLD.hash <> '' OR NEW.id <> OLD.id OR NEW.at <> OLD.at OR NEW.actor <> OLD.actor
      OR NEW.action <> OLD.action OR NEW.entity <> OLD.entity
      OR NEW.entity_id IS NOT OLD.entity_id OR NEW.details <> OLD.details
BEGIN
    SELECT RAISE(ABORT, 'endringsloggen kan ikke endres');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'endringsloggen kan ikke slettes');
END;
