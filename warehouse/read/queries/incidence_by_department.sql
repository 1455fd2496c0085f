-- New patients of a year by department of residence, against the cases expected from the
-- department's population and the crude incidence rate ($rate per 100,000 a year). New patients
-- come from marts.mart_patients_yearly's row for the department (any organ or establishment).
with pop as (
    select department_code, sum(population) as population from core.dim_geography group by 1
),
new as (
    select residence_department as department_code, new_patients
    from marts.mart_patients_yearly
    where year = $year and c3_id = coalesce($c3, '*') and organ = '*' and finess = '*'
)
select p.department_code, p.population, coalesce(n.new_patients, 0) as new_patients,
       round(p.population * $rate / 100000.0) as expected
from pop p left join new n using (department_code)
order by p.department_code
