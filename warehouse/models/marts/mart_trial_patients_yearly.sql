-- Grain: one row per year, 3C and organ ('*' stands for any 3C or any organ): distinct patients
-- proposed a trial in RCP that year, distinct patients included in a trial that year, and new
-- patients. Distinct counts do not add up across 3Cs or organs, so each combination has its row.
with f as (
    select year, c3_id, organ, patient_key as p, trial_id is not null as trial,
           new_patient_presentation as new
    from core.fact_fiche
),
proposed as (
    -- Plain GROUP BYs, not a CUBE: one combination's distinct sets in memory at a time (see
    -- mart_patients_yearly).
    select year, c3_id, organ,
           count(distinct p) filter (trial) as proposed,
           count(distinct p) filter (new) as new_patients
    from f group by all
    union all
    select year, c3_id, '*', count(distinct p) filter (trial), count(distinct p) filter (new)
    from f group by all
    union all
    select year, '*', organ, count(distinct p) filter (trial), count(distinct p) filter (new)
    from f group by all
    union all
    select year, '*', '*', count(distinct p) filter (trial), count(distinct p) filter (new)
    from f group by all
),
included as (
    select year(inclusion_date) as year,
           case when grouping(c3_id) = 1 then '*' else c3_id end as c3_id,
           case when grouping(organ) = 1 then '*' else organ end as organ,
           count(distinct patient_key) as included
    from core.fact_inclusion
    where inclusion_date is not null
    group by year(inclusion_date), cube(c3_id, organ)
),
final as (
    select coalesce(p.year, i.year) as year, coalesce(p.c3_id, i.c3_id) as c3_id,
           coalesce(p.organ, i.organ) as organ, coalesce(p.proposed, 0) as proposed,
           coalesce(i.included, 0) as included, p.new_patients
    from proposed p
    full join included i
      on i.year = p.year and i.c3_id is not distinct from p.c3_id
     and i.organ is not distinct from p.organ
)
select * from final
