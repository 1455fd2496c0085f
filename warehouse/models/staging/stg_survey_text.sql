-- Grain: one row per free-text answer (survey_id, respondent_key, question_id). Free text stays
-- in this layer: it may name people, and only roles with `free_text` read it (docs/access.md).
with final as (
    select distinct on (survey_id, respondent_key, question_id)
        survey_id, respondent_key, question_id, trim(text) as text
    from mapped.survey_text
    order by survey_id, respondent_key, question_id
)
select * from final
