-- PPS whose fiche is not a dossier of the warehouse: quarantined with it by a blocking check
-- (quality.blocked), or absent from the sources. Such a PPS is quarantined with its fiche.
-- denominator
select p.source, f.c3_id, count(*) as n
from staging.stg_pps p left join staging.stg_fiche f using (fiche_id) group by all
-- violations
select p.source, f.c3_id, p.pps_id as row_key,
       case when f.fiche_id is null then 'fiche ' || coalesce(p.fiche_id, '(aucune)') || ' absente'
            else 'fiche ' || p.fiche_id || ' en quarantaine : ' || b.check_name end as detail
from staging.stg_pps p
left join staging.stg_fiche f using (fiche_id)
left join (select row_key, min(check_name) as check_name from quality.blocked
           where table_name = 'stg_fiche' group by row_key) b on b.row_key = p.fiche_id
where f.fiche_id is null or b.row_key is not null
