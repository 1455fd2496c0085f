-- Respondents of a survey per health territory and profession: the groups statistical secrecy
-- merges or masks (served only through Reader.survey, warehouse/read/surveys.py).
select territory_code, profession, respondents
from marts.mart_survey_respondents
where survey_id = $survey
