-- Raw counts of the last run's checks by category, source and 3C (statuses are computed in
-- Python from the thresholds).
select r.check_name, r.table_name, r.field, r.source, r.c3_id,
       r.num_violated_rows, r.num_denominator_rows
from quality.check_results r
where r.run_id = (select run_id from quality.check_results order by run_at desc limit 1)
