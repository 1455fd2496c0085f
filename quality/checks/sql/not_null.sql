-- Rows of {table} whose {field} is empty.
-- denominator
select null as source, null as c3_id, count(*) as n from {table}
-- violations
select null as source, null as c3_id, null as row_key, '{field} empty' as detail
from {table} where {field} is null
-- violations among changes
select null as source, null as c3_id, null as row_key, '{field} empty' as detail
from {changes} where {field} is null
