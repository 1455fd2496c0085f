-- New patients of a year by department of residence, against the cases expected from the
-- department's population and the crude incidence rate ($rate per 100,000 a year).
with pop as (
    select department_code, sum(population) as population from core.dim_geography group by 1
),
new as (
    select residence_department as department_code,
           count(distinct patient_key) filter (where new_patient_presentation) as new_patients
    from core.fact_fiche where year = $year and ($c3 is null or c3_id = $c3)
    group by 1
)
select p.department_code, p.population, coalesce(n.new_patients, 0) as new_patients,
       round(p.population * $rate / 100000.0) as expected
from pop p left join new n using (department_code)
order by p.department_code
