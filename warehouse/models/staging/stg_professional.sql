-- Grain: one row per professional of a source (source, prof_key), with up to two specialties.
-- Names stay in staging; later layers keep the RPPS and specialties only.
with professionals as (
    select distinct on (source, prof_key) * from mapped.professional
    order by source, prof_key
),
specialties as (
    select source, prof_key,
        min(specialty) filter (where rank = 1) as specialty,
        min(specialty) filter (where rank = 2) as specialty_2
    from (select distinct source, prof_key, specialty, rank from mapped.professional_specialty)
    group by source, prof_key
),
final as (
    select
        p.source, p.prof_key, p.source || ':' || p.prof_key as prof_id, p.rpps,
        p.last_name, p.first_name, s.specialty, s.specialty_2
    from professionals p
    left join specialties s using (source, prof_key)
)
select * from final
