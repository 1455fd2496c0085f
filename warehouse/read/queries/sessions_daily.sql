-- Sessions per day of a year (the calendar heat-map); with an organ, establishment or department
-- filter, the sessions that discussed at least one dossier matching them.
select day, sum(sessions)::bigint as sessions from marts.mart_sessions_daily
where year(day) = $year and ($c3 is null or c3_id = $c3)
  and organ = coalesce($organ, '*') and finess = coalesce($finess, '*')
  and residence_department = coalesce($department, '*')
group by day order by day
