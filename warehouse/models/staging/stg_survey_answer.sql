-- Grain: one row per answer of a respondent (survey_id, respondent_key, question_id,
-- option_code): the option chosen, a number with its class, each option of a multiple choice.
with final as (
    select distinct on (a.survey_id, a.respondent_key, a.question_id, a.option_code)
        a.survey_id, a.respondent_key, a.question_id, a.option_code, a.rank, a.value
    from mapped.survey_answer a
    order by a.survey_id, a.respondent_key, a.question_id, a.option_code
)
select * from final
