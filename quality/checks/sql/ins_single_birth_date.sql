-- INS carrying more than one birth date or sex (counted once per INS; dates in the future excluded,
-- they are a check of their own).
-- denominator
select 'all' as source, null as c3_id, count(distinct ins) as n
from staging.stg_patient_identity where ins is not null
-- violations
select 'all' as source, null as c3_id, min(identity_id) as row_key,
       count(distinct birth_date) || ' birth dates, ' || count(distinct sex) || ' sexes' as detail
from staging.stg_patient_identity
where ins is not null and birth_date <= current_date
group by ins having count(distinct birth_date) > 1 or count(distinct sex) > 1
