-- The roster's usual filters ride in the scope index, so a filtered count over a
-- district reads the index only (measured on a city: p50 10.7 ms → 4.5 ms).
DROP INDEX members_scope;
CREATE INDEX members_scope ON members (region_id, archived, org_path, id, category, party_status, flow, lost_contact_since, name);
