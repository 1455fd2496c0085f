-- Identities without INS that match another one in name, first name, sex and birth date, in
-- another establishment: probably one patient split in two.
-- denominator
select 'all' as source, null as c3_id, count(*) as n
from staging.stg_patient_identity where ins is null
-- violations
select 'all' as source, null as c3_id, min(identity_id) as row_key,
       count(distinct finess) || ' establishments' as detail
from staging.stg_patient_identity
where ins is null
group by last_name, first_name, sex, birth_date
having count(distinct finess) > 1
