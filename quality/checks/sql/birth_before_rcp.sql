-- Identities born after one of their fiches was discussed.
-- denominator
select source, null as c3_id, count(*) as n from staging.stg_patient_identity group by all
-- violations
select i.source, null as c3_id, i.identity_id as row_key, 'born ' || i.birth_date as detail
from staging.stg_patient_identity i
where exists (select 1 from staging.stg_fiche f
              where f.identity_id = i.identity_id and f.session_date < i.birth_date)
