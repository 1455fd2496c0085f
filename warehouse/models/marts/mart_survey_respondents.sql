-- Grain: one row per survey, health territory and profession (survey_id, territory_code,
-- profession), a group of respondents: the cells that statistical secrecy merges or masks when
-- they hold fewer than its threshold (warehouse/read/surveys.py). An unanswered territory or
-- profession is a group of its own (NULL).
with final as (
    select survey_id, territory_code, profession, count(*) as respondents
    from core.fact_survey_respondent
    group by all
)
select * from final
