-- Last load and expected cadence of each source, with its checks over threshold.
select c.source, c.last_load, c.cadence_hours,
       date_diff('hour', c.last_load, current_timestamp::timestamp) as age_hours
from quality.source_cadence c
order by c.source
