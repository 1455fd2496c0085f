-- The free-text answers of a survey (what "Autre (préciser)" says), for the territory and the
-- profession asked (empty: all), each text with how many respondents wrote it. Free text stays
-- in staging: only roles with `free_text` read it (config/secrecy.toml).
select t.question_id, t.text, count(*) as respondents
from staging.stg_survey_text t
join core.fact_survey_respondent r using (survey_id, respondent_key)
where t.survey_id = $survey
  and ($territory is null or r.territory_code = $territory)
  and ($profession is null or r.profession = $profession)
group by t.question_id, t.text
order by t.question_id, lower(t.text), t.text
