-- Fiches whose session does not exist.
-- denominator
select source, c3_id, count(*) as n from staging.stg_fiche group by all
-- violations
select f.source, f.c3_id, f.fiche_id as row_key, f.session_id as detail
from staging.stg_fiche f
where not exists (select 1 from staging.stg_session s where s.session_id = f.session_id)
