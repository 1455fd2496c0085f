-- Grain: one row per meeting of a working group or partnership of the network (source,
-- meeting_key), as the coordination team's workbook records it.
with latest as (
    select * from mapped.network_meeting
    qualify row_number() over (partition by source, meeting_key
                               order by _load_id desc, meeting_date desc) = 1
),
final as (
    select source, meeting_key, source || ':' || meeting_key as meeting_id, group_code,
           meeting_date, nullif(trim(topic), '') as topic, participants
    from latest
)
select * from final
