-- Grain: one row per question of a survey's codebook (survey_id, question_id).
with final as (
    select distinct on (survey_id, question_id)
        survey_id, question_id, position, section, label, qtype, max_choices,
        coalesce(ranked, false) as ranked, coalesce(reverse, false) as reverse, unit, of_question
    from mapped.survey_question
    order by survey_id, question_id
)
select * from final
