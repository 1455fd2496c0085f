-- A survey's answers per question, option, health territory and profession: who chose the
-- option, who answered the question (served only through Reader.survey, which groups, merges
-- and perturbs them: warehouse/read/surveys.py).
select question_id, option_code, territory_code, profession, respondents, answered
from marts.mart_survey_answers
where survey_id = $survey
