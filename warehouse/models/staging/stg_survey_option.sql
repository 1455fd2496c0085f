-- Grain: one row per option of a question of a survey's codebook (survey_id, question_id,
-- option_code), in the order of its scale.
with final as (
    select distinct on (survey_id, question_id, option_code)
        survey_id, question_id, option_code, position, label, side, low, high
    from mapped.survey_option
    order by survey_id, question_id, option_code
)
select * from final
