-- Grain: one row per professional of a source (prof_id). No names: RPPS and specialties only.
with final as (
    select p.prof_id, p.source, p.rpps, p.specialty, p.specialty_2,
           coalesce(s.is_physician = '1', false) as is_physician
    from staging.stg_professional p
    left join ref.specialty s on s.code = p.specialty
)
select * from final
