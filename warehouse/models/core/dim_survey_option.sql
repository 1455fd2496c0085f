-- Grain: one row per option of a question (survey_id, question_id, option_code), in the order of
-- its scale (position); a Likert option's side (unfavourable, neutral, favourable), a number
-- class's bounds [low, high).
with final as (
    select o.survey_id, o.question_id, o.option_code, o.position, o.label, o.side, o.low, o.high
    from staging.stg_survey_option o
    join staging.stg_survey_question q using (survey_id, question_id)
)
select * from final
