-- Keys of {table} held by more than one row: its grain ({field}) is broken.
-- denominator
select null as source, null as c3_id, count(*) as n from {table}
-- violations
select null as source, null as c3_id, concat_ws(' | ', {key_text}) as row_key,
       count(*) || ' rows share this key' as detail
from {table} group by {field} having count(*) > 1
-- violations among changes
select null as source, null as c3_id, concat_ws(' | ', {key_text}) as row_key,
       count(*) || ' rows share this key' as detail
from (select t.* from {table} t semi join {changes} c on {key_match})
group by {field} having count(*) > 1
