-- Grain: one row per month and severity of the DCC service's incidents (the month they started):
-- incidents, those that made the service unavailable, those resolved and the minutes they took.
with final as (
    select month, severity, count(*) as incidents,
           count(*) filter (where unavailable) as unavailable_incidents,
           count(minutes_to_resolve) as resolved,
           coalesce(sum(minutes_to_resolve)::bigint, 0) as minutes_to_resolve
    from core.fact_dcc_incident
    group by month, severity
)
select * from final
