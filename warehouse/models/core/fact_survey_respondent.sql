-- Grain: one row per respondent of a survey (survey_id, respondent_key): the health territory
-- (with its name and department, from the geography where the code is known there, else from
-- the codebook) and the profession (with its label) every answer is split by.
with territories as (
    select distinct territory_code, territory_name, department_code from core.dim_geography
),
labels as (
    select survey_id, question_id, option_code, label from staging.stg_survey_option
),
final as (
    select r.survey_id, r.respondent_key, r.territory_code,
           coalesce(t.territory_name, lt.label) as territory_name, t.department_code,
           r.profession, lp.label as profession_label
    from staging.stg_survey_respondent r
    join staging.stg_survey s using (survey_id)
    left join territories t using (territory_code)
    left join labels lt on lt.survey_id = r.survey_id and lt.question_id = s.territory_question
        and lt.option_code = r.territory_code
    left join labels lp on lp.survey_id = r.survey_id and lp.question_id = s.profession_question
        and lp.option_code = r.profession
)
select * from final
