-- Field {field} of {table} is empty, among the rows it applies to ({applies}: the threshold's
-- `unless`, true when it has none).
-- denominator
select source, {c3} as c3_id, count(*) as n from staging.{table} where {applies} group by all
-- violations
select source, {c3} as c3_id, {key} as row_key, 'empty' as detail from staging.{table}
where {field} is null and {applies}
