-- Grain: one row per survey (survey_id): its title and year, from its codebook.
with final as (
    select survey_id, title, year from staging.stg_survey
)
select * from final
