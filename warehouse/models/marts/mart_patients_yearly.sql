-- Grain: one row per year and combination of the boards' filters (3C, organ, establishment,
-- department of residence; '*' stands for any value): dossiers, distinct patients, new patients
-- (first presentation of a first episode in the year) and active RCP entities. Distinct counts do
-- not add up across filter values, so every combination the boards offer has its own row.
with f as (
    -- patients and entities numbered within their year (dense_rank): the 48 distinct counts
    -- below then compare integers instead of 64-character keys, in half the time at 10M; a
    -- missing key stays missing (a rank would count it as one more patient)
    select year, c3_id, organ, finess, residence_department as department,
           case when patient_key is not null
                then dense_rank() over (partition by year order by patient_key) end as p,
           new_patient_presentation as new,
           case when entity_code is not null
                then dense_rank() over (partition by year order by entity_code) end as e
    from core.fact_fiche
),
final as (
    -- The 16 combinations are 16 plain GROUP BYs rather than one CUBE: DuckDB then holds one
    -- combination's distinct sets at a time (a CUBE holds all 16 and ran out of a 2 GB build
    -- at 10M; at 1M the GROUP BYs also take two thirds of the CUBE's time).
    select year, '*' as c3_id, '*' as organ, '*' as finess, '*' as residence_department,
           count(*) as dossiers, count(distinct p) as patients,
           count(distinct p) filter (new) as new_patients, count(distinct e) as active_entities
    from f group by all
    union all
    select year, c3_id, '*', '*', '*',
           count(*), count(distinct p), count(distinct p) filter (new), count(distinct e)
    from f group by all
    union all
    select year, '*', organ, '*', '*',
           count(*), count(distinct p), count(distinct p) filter (new), count(distinct e)
    from f group by all
    union all
    select year, '*', '*', finess, '*',
           count(*), count(distinct p), count(distinct p) filter (new), count(distinct e)
    from f group by all
    union all
    select year, '*', '*', '*', department,
           count(*), count(distinct p), count(distinct p) filter (new), count(distinct e)
    from f group by all
    union all
    select year, c3_id, organ, '*', '*',
           count(*), count(distinct p), count(distinct p) filter (new), count(distinct e)
    from f group by all
    union all
    select year, c3_id, '*', finess, '*',
           count(*), count(distinct p), count(distinct p) filter (new), count(distinct e)
    from f group by all
    union all
    select year, c3_id, '*', '*', department,
           count(*), count(distinct p), count(distinct p) filter (new), count(distinct e)
    from f group by all
    union all
    select year, '*', organ, finess, '*',
           count(*), count(distinct p), count(distinct p) filter (new), count(distinct e)
    from f group by all
    union all
    select year, '*', organ, '*', department,
           count(*), count(distinct p), count(distinct p) filter (new), count(distinct e)
    from f group by all
    union all
    select year, '*', '*', finess, department,
           count(*), count(distinct p), count(distinct p) filter (new), count(distinct e)
    from f group by all
    union all
    select year, c3_id, organ, finess, '*',
           count(*), count(distinct p), count(distinct p) filter (new), count(distinct e)
    from f group by all
    union all
    select year, c3_id, organ, '*', department,
           count(*), count(distinct p), count(distinct p) filter (new), count(distinct e)
    from f group by all
    union all
    select year, c3_id, '*', finess, department,
           count(*), count(distinct p), count(distinct p) filter (new), count(distinct e)
    from f group by all
    union all
    select year, '*', organ, finess, department,
           count(*), count(distinct p), count(distinct p) filter (new), count(distinct e)
    from f group by all
    union all
    select year, c3_id, organ, finess, department,
           count(*), count(distinct p), count(distinct p) filter (new), count(distinct e)
    from f group by all
)
select * from final
