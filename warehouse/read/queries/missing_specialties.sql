-- Specialties most often missing from sessions under quorum in a year; with an organ,
-- establishment or department filter, among the sessions that discussed at least one dossier
-- matching them.
select coalesce(s.label, m.specialty) as specialty, sum(m.sessions) as sessions
from marts.mart_quorum_missing_specialties m left join ref.specialty s on s.code = m.specialty
where m.year = $year and ($c3 is null or m.c3_id = $c3)
  and m.organ = coalesce($organ, '*') and m.finess = coalesce($finess, '*')
  and m.residence_department = coalesce($department, '*')
group by 1 order by sessions desc
