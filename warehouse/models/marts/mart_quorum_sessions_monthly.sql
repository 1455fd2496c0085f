-- Grain: one row per month, 3C and RCP entity: sessions by quorum status against the rule of the
-- entity's RCP type.
with final as (
    select s.month, s.c3_id, s.entity_code,
           count(*) as sessions,
           count(*) filter (where q.status = 'met') as quorum_met,
           count(*) filter (where q.status = 'not_met') as quorum_not_met,
           count(*) filter (where q.status = 'unknown') as quorum_unknown
    from core.fact_session s
    join core.fact_quorum_session q using (session_id)
    group by all
)
select * from final
