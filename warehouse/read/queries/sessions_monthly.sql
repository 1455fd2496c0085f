-- Sessions held per month of a year; with an organ, establishment or department filter, the
-- sessions that discussed at least one dossier matching them.
select date_trunc('month', day)::date as month, sum(sessions)::bigint as sessions
from marts.mart_sessions_daily
where year(day) = $year and ($c3 is null or c3_id = $c3)
  and organ = coalesce($organ, '*') and finess = coalesce($finess, '*')
  and residence_department = coalesce($department, '*')
group by 1 order by 1
