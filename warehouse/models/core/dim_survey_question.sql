-- Grain: one row per question of a survey (survey_id, question_id), in the questionnaire's order
-- (position): its section, French label, type and, for a multiple choice, how many options.
with final as (
    select survey_id, question_id, position, section, label, qtype, max_choices, ranked, reverse,
           unit, of_question
    from staging.stg_survey_question
    where survey_id in (select survey_id from staging.stg_survey)
)
select * from final
