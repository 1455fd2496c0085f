-- Grain: one row per pseudonymised patient (patient_key): identities linked by INS, else by IPP
-- and establishment. No name, INS or IPP: birth year, sex and residence only.
with identities as (
    select * from staging.stg_patient_identity
),
final as (
    select
        i.patient_key,
        mode(i.sex) as sex,
        min(year(i.birth_date)) as birth_year,
        max(i.commune_code) as commune_code,
        max(g.department_code) as department_code,
        max(g.territory_code) as territory_code,
        bool_and(g.commune_code is null) as outside_region,
        count(*) as identities,
        count(distinct i.finess) as establishments,
        bool_or(i.linked_by_ins) as has_ins,
        count(distinct i.birth_date) > 1 as birth_date_conflict
    from identities i
    left join core.dim_geography g on g.commune_code = i.commune_code
    group by i.patient_key
)
select * from final
