-- Dates after the day of the run.
-- denominator
select source, {c3} as c3_id, count(*) as n from staging.{table} where {field} is not null
group by all
-- violations
select source, {c3} as c3_id, {key} as row_key, {field}::varchar as detail
from staging.{table} where {field} > current_date
