-- Grain: one row per phase of a PPS (pps_id, phase_no), of the PPS of core.fact_pps.
with final as (
    select pps_id, phase_no, phase_type, planned_start, planned_end, finess
    from staging.stg_pps_phase ph
    where exists (select 1 from core.fact_pps p where p.pps_id = ph.pps_id)
)
select * from final
