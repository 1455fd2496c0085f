-- Violating rows per check over the runs. The run's time as text and the count as an integer:
-- values JSON takes as they are (a timestamp or a decimal goes through plotly's encoder one
-- value at a time, which was half of the quality page's chart callback).
select strftime(run_at, '%Y-%m-%d %H:%M:%S') as run_at, check_name,
    sum(num_violated_rows)::BIGINT as violated
from quality.check_results group by all order by run_at, check_name
