-- The surveys of the warehouse, the latest first (their codebooks: no respondent is counted).
select survey_id, title, year
from core.dim_survey
order by year desc, survey_id
