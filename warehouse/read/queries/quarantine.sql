-- Quarantined rows with their reasons and where to find them again (file, sheet and row, or the
-- store's key): of the 500 most recent, `$size` rows from `$offset` (the quality page's pages;
-- its exports read all 500), with `total`, every row in quarantine, on each row.
with listed as (
    select load_id, source, source_table, entity, check_name, reason, location,
           left(original_row::varchar, 300) as row
    from quality.quarantine
    order by load_id desc, source, source_table, location, check_name, reason, row
    limit 500
)
select * exclude (load_id), (select count(*) from quality.quarantine) as total
from listed
order by load_id desc, source, source_table, location, check_name, reason, row
limit $size offset $offset
