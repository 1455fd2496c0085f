-- Grain: one row per training session and profession (training_id, profession): the
-- participants of that profession (sessions left out when the session itself was not loaded).
with final as (
    select a.training_id, s.training, s.year, a.profession, a.participants
    from staging.stg_training_attendance a
    join core.fact_training_session s using (training_id)
)
select * from final
