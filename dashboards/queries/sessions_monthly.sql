-- Sessions held per month of a year.
select month, sum(sessions) as sessions from marts.mart_sessions_monthly
where year(month) = $year and ($c3 is null or c3_id = $c3)
group by month order by month
