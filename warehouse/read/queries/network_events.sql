-- The network's dated events of a year, for the objectives grid's {dates} and {events} and the
-- activity report: working-group meetings (kind `meetings`, code = the group), visits of 3Cs
-- (`visits`, code = the 3C) and training sessions (`trainings`, code = the training), with what
-- happened (topic, participants: professionals, not patients).
with meetings as (
    select 'meetings' as kind, group_code as code, meeting_date as event_date,
           cast(null as date) as end_date, topic as label, participants, cast(null as double) as days
    from core.fact_network_meeting
    where year = $year
),
visits as (
    select 'visits', v.c3_id, v.visit_date, cast(null as date),
           coalesce(v.topic, 'Visite du ' || c.name, 'Visite du 3C ' || v.c3_id),
           cast(null as integer), cast(null as double)
    from core.fact_c3_visit v
    left join core.dim_c3 c using (c3_id)
    where v.year = $year
),
trainings as (
    select 'trainings', training, start_date, end_date, session_label, participants, days
    from core.fact_training_session
    where year = $year
),
final as (
    select * from meetings
    union all select * from visits
    union all select * from trainings
)
select * from final order by kind, code, event_date, label
