-- One page of quarantine.sql's rows (the 500 most recent, in its order): `$size` rows from
-- `$offset`, with `total`, every row in quarantine, on each row.
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
