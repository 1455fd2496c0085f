-- Sources whose last load is older than their expected cadence (quality.source_cadence).
-- denominator
select source, null as c3_id, count(*) as n from quality.source_cadence group by all
-- violations
select source, null as c3_id, source as row_key,
       'last load ' || last_load || ', expected every ' || cadence_hours || ' h' as detail
from quality.source_cadence
where last_load is null
   or last_load < current_timestamp::timestamp - to_seconds(cast(cadence_hours * 3600 as bigint))
