-- Sessions without any attendance recorded.
-- denominator
select s.source, e.c3_id, count(*) as n
from staging.stg_session s left join staging.stg_rcp_entity e using (entity_code) group by all
-- violations
select s.source, e.c3_id, s.session_id as row_key, 'no attendance' as detail
from staging.stg_session s left join staging.stg_rcp_entity e using (entity_code)
where not exists (select 1 from staging.stg_attendance a where a.session_id = s.session_id)
