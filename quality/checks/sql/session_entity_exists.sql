-- Sessions of no known RCP entity.
-- denominator
select source, null as c3_id, count(*) as n from staging.stg_session group by all
-- violations
select s.source, null as c3_id, s.session_id as row_key, coalesce(s.entity_code, '?') as detail
from staging.stg_session s
where not exists (select 1 from staging.stg_rcp_entity e where e.entity_code = s.entity_code)
