-- Sessions per day of a year (the calendar heat-map).
select day, sum(sessions) as sessions from marts.mart_sessions_daily
where year(day) = $year and ($c3 is null or c3_id = $c3)
group by day order by day
