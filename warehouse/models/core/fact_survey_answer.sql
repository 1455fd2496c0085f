-- Grain: one row per answer of a respondent (survey_id, respondent_key, question_id,
-- option_code): the option chosen (a number's class, with the number in `value`), each option
-- chosen in a multiple choice (with its rank when ranked). Free text is not here: it stays in
-- staging.stg_survey_text.
with final as (
    select a.survey_id, a.respondent_key, a.question_id, a.option_code, a.rank, a.value
    from staging.stg_survey_answer a
    join core.fact_survey_respondent r using (survey_id, respondent_key)
    join core.dim_survey_option o using (survey_id, question_id, option_code)
)
select * from final
