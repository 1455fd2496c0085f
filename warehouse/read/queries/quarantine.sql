-- Quarantined rows with their reasons and where to find them again (file, sheet and row, or the
-- store's key), the most recent first, at most 500 (quarantine_page.sql pages through the same
-- rows in the same order).
select source, source_table, entity, check_name, reason, location,
       left(original_row::varchar, 300) as row
from quality.quarantine
order by load_id desc, source, source_table, location, check_name, reason, row
limit 500
