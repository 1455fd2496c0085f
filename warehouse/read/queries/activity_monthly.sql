-- Sessions and dossiers per month of a year, with registered/discussed, on site/video, first
-- presentations/re-discussions.
select month, sum(dossiers) as dossiers, sum(registered) as registered,
       sum(discussed) as discussed, sum(on_site) as on_site, sum(video) as video,
       sum(first_presentations) as first_presentations, sum(rediscussions) as rediscussions
from marts.mart_rcp_activity_monthly
where year(month) = $year and ($c3 is null or c3_id = $c3) and ($organ is null or organ = $organ)
  and ($finess is null or finess = $finess) and ($department is null or residence_department = $department)
group by month order by month
