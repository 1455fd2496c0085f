-- Grain: one row per meeting of a working group or partnership of the network (meeting_id).
with final as (
    select meeting_id, group_code, meeting_date, year(meeting_date) as year,
           date_trunc('month', meeting_date)::date as month, topic, participants
    from staging.stg_network_meeting
)
select * from final
