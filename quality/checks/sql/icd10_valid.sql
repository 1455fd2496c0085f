-- The ICD-10 code is not in the WHO classification.
-- denominator
select source, {c3} as c3_id, count(*) as n from staging.{table} where {field} is not null
group by all
-- violations
select source, {c3} as c3_id, {key} as row_key, {field} as detail from staging.{table}
where {field} is not null and not icd10_valid
