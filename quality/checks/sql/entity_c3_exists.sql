-- RCP entities of no known 3C.
-- denominator
select 'directory' as source, c3_id, count(*) as n from staging.stg_rcp_entity group by all
-- violations
select 'directory' as source, e.c3_id, e.entity_code as row_key, coalesce(e.c3_id, '?') as detail
from staging.stg_rcp_entity e
where not exists (select 1 from staging.stg_c3 c where c.c3_id = e.c3_id)
