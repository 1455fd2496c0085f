-- Grain: one row per year and working group (or partnership) of the network: its meetings and
-- their participants.
with final as (
    select year, group_code, count(*) as meetings, coalesce(sum(participants)::bigint, 0) as participants
    from core.fact_network_meeting
    group by year, group_code
)
select * from final
