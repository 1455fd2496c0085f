-- Dossiers and distinct patients of a year by one dimension ($by): organ, ICD-10 block, age
-- band, sex or department of residence.
select case $by when 'organ' then coalesce(o.label, 'Non renseigné')
                when 'icd10' then coalesce(d.icd10_block || ' ' || d.icd10_block_label, 'Non renseigné')
                when 'age' then d.age_band
                when 'sex' then case d.sex when 'F' then 'Femmes' when 'M' then 'Hommes' else 'Non renseigné' end
                else coalesce(d.residence_department, 'Hors région') end as label,
       sum(d.dossiers) as dossiers
from marts.mart_dossiers_yearly d left join core.dim_organ o on o.organ = d.organ
where d.year = $year and ($c3 is null or d.c3_id = $c3) and ($organ is null or d.organ = $organ)
  and ($finess is null or d.finess = $finess) and ($department is null or d.residence_department = $department)
group by 1 order by dossiers desc
