-- Grain: one row per survey, question, option, health territory and profession (survey_id,
-- question_id, option_code, territory_code, profession): the respondents of the group who chose
-- the option, and those who answered the question (the denominator of its share); every option
-- of every choice, number and Likert question, for every group with respondents (0 included).
with groups as (
    select survey_id, territory_code, profession from marts.mart_survey_respondents
),
options as (
    select o.survey_id, o.question_id, o.option_code
    from core.dim_survey_option o
    join core.dim_survey_question q using (survey_id, question_id)
    where q.qtype in ('single', 'likert', 'multiple', 'number')
),
chosen as (
    select a.survey_id, a.question_id, a.option_code, r.territory_code, r.profession,
           count(distinct a.respondent_key) as respondents
    from core.fact_survey_answer a
    join core.fact_survey_respondent r using (survey_id, respondent_key)
    group by all
),
answered as (
    select a.survey_id, a.question_id, r.territory_code, r.profession,
           count(distinct a.respondent_key) as answered
    from core.fact_survey_answer a
    join core.fact_survey_respondent r using (survey_id, respondent_key)
    group by all
),
final as (
    select o.survey_id, o.question_id, o.option_code, g.territory_code, g.profession,
           coalesce(c.respondents, 0) as respondents, coalesce(n.answered, 0) as answered
    from options o
    join groups g using (survey_id)
    left join chosen c on c.survey_id = o.survey_id and c.question_id = o.question_id
        and c.option_code = o.option_code
        and c.territory_code is not distinct from g.territory_code
        and c.profession is not distinct from g.profession
    left join answered n on n.survey_id = o.survey_id and n.question_id = o.question_id
        and n.territory_code is not distinct from g.territory_code
        and n.profession is not distinct from g.profession
)
select * from final
