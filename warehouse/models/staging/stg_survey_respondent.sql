-- Grain: one row per respondent of a survey (survey_id, respondent_key), with the health
-- territory and profession they answered.
with final as (
    select distinct on (survey_id, respondent_key) survey_id, respondent_key, territory_code,
           profession
    from mapped.survey_respondent
    order by survey_id, respondent_key
)
select * from final
