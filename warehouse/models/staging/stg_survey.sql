-- Grain: one row per survey (survey_id), from its codebook: title, year and the two questions
-- every answer is split by (health territory, profession).
with final as (
    select distinct on (survey_id) survey_id, title, year, territory_question, profession_question
    from mapped.survey
    order by survey_id
)
select * from final
