-- Grain: one row per phase of a PPS (source, pps_key, phase_no).
with final as (
    select distinct on (source, pps_key, phase_no)
        source, source || ':' || pps_key as pps_id, phase_no, phase_type, planned_start,
        planned_end, finess
    from mapped.pps_phase
    order by source, pps_key, phase_no
)
select * from final
