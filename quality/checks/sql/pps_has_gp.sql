-- PPS naming no GP.
-- denominator
select p.source, f.c3_id, count(*) as n
from staging.stg_pps p left join staging.stg_fiche f using (fiche_id) group by all
-- violations
select p.source, f.c3_id, p.pps_id as row_key, 'no GP' as detail
from staging.stg_pps p left join staging.stg_fiche f using (fiche_id)
where not p.has_gp
