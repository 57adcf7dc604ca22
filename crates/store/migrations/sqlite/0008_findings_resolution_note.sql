-- Why a finding was resolved, when not by the record that fulfils it (e.g. the member
-- left: 党员已减少，相关义务终止).
ALTER TABLE findings ADD COLUMN resolved_note TEXT NOT NULL DEFAULT '';
