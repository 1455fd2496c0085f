-- Field {field} of {table} is empty.
-- denominator
select source, {c3} as c3_id, count(*) as n from staging.{table} group by all
-- violations
select source, {c3} as c3_id, {key} as row_key, 'empty' as detail from staging.{table}
where {field} is null
