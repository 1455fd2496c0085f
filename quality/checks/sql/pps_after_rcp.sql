-- PPS delivered before the session of the fiche that decided them.
-- denominator
select p.source, f.c3_id, count(*) as n
from staging.stg_pps p left join staging.stg_fiche f using (fiche_id) group by all
-- violations
select p.source, f.c3_id, p.pps_id as row_key,
       p.delivered_date || ' < ' || f.session_date as detail
from staging.stg_pps p join staging.stg_fiche f using (fiche_id)
where p.delivered_date < f.session_date
