-- Violating rows per check over the runs.
select run_at, check_name, sum(num_violated_rows) as violated
from quality.check_results group by all order by run_at
