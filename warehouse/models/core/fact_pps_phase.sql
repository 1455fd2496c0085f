-- Grain: one row per phase of a PPS (pps_id, phase_no).
with final as (
    select pps_id, phase_no, phase_type, planned_start, planned_end, finess
    from staging.stg_pps_phase
)
select * from final
