-- Specialties most often missing from sessions under quorum in a year.
select coalesce(s.label, m.specialty) as specialty, sum(m.sessions) as sessions
from marts.mart_quorum_missing_specialties m left join ref.specialty s on s.code = m.specialty
where m.year = $year and ($c3 is null or m.c3_id = $c3)
group by 1 order by sessions desc
