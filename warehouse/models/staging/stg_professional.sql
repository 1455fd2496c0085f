-- Grain: one row per professional of a source (source, prof_key), with up to two specialties.
-- Names stay in staging; later layers keep the RPPS and specialties only.
with professionals as (
    select distinct on (source, prof_key) * from mapped.professional
    order by source, prof_key
),
specialties as (
    -- a source that does not rank them (a national Fiche RCP names each participation's
    -- specialty) gives every one rank 1: the second of them is the second specialty
    select source, prof_key,
        min(specialty) filter (where rank = 1) as specialty,
        coalesce(min(specialty) filter (where rank = 2),
                 nullif(max(specialty) filter (where rank = 1),
                        min(specialty) filter (where rank = 1))) as specialty_2
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
