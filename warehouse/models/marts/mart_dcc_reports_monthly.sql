-- Grain: one row per month, severity and 3C of the reports on the DCC service (the month they
-- were made): adverse events, malfunctions, reports closed and the minutes they took to close.
with final as (
    select month, severity, c3_id,
           count(*) filter (where report_type = 'evenement_indesirable') as adverse_events,
           count(*) filter (where report_type = 'dysfonctionnement') as malfunctions,
           count(*) as reports,
           count(minutes_to_close) as closed,
           coalesce(sum(minutes_to_close)::bigint, 0) as minutes_to_close
    from core.fact_dcc_report
    group by all
)
select * from final
