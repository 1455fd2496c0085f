-- Grain: one row per survey (survey_id): its title and year, and the two questions every answer
-- is split by (health territory, profession), from its codebook.
with final as (
    select survey_id, title, year, territory_question, profession_question
    from staging.stg_survey
)
select * from final
