-- Patient informed traced and PPS with GP, per month of a year.
select month, sum(dossiers) as dossiers, sum(patient_informed_traced) as patient_informed_traced,
       sum(pps) as pps, sum(pps_with_gp) as pps_with_gp,
       100.0 * sum(patient_informed_traced) / nullif(sum(dossiers), 0) as pct_informed,
       100.0 * sum(pps_with_gp) / nullif(sum(pps), 0) as pct_pps_gp
from marts.mart_compliance_monthly
where year(month) = $year and ($c3 is null or c3_id = $c3) and ($organ is null or organ = $organ)
  and ($finess is null or finess = $finess) and ($department is null or residence_department = $department)
group by month order by month
