-- Grain: one row per RCP session (session_id): quorum status against the rule of the entity's
-- RCP type in force that day, with the physicians counted and the missing specialties.
with sessions as (
    select s.session_id, e.rcp_type
    from core.fact_session s
    left join core.dim_rcp_entity e using (entity_code)
),
final as (
    select s.session_id, v.rule_id, v.status, v.physicians, v.missing_specialties
    from sessions s
    join core.fact_quorum_verdict v
      on v.session_id = s.session_id and v.applies_to is not distinct from s.rcp_type
)
select * from final
