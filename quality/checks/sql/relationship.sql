-- Values of {table}.{field} not found in {reference}.
-- denominator
select null as source, null as c3_id, count(*) as n from {table} where {field} is not null
-- violations
select null as source, null as c3_id, t.{field}::varchar as row_key,
       'not in {reference}' as detail
from {table} t
where t.{field} is not null
  and not exists (select 1 from {ref_table} r where r.{ref_column} = t.{field})
-- violations among changes
select null as source, null as c3_id, t.{field}::varchar as row_key,
       'not in {reference}' as detail
from {table} t
where t.{field} in (select {field} from {changes} union all select {ref_column} from {ref_changes})
  and not exists (select 1 from {ref_table} r where r.{ref_column} = t.{field})
