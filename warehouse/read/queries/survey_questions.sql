-- A survey's codebook: every question in the questionnaire's order with its options in the
-- order of their scale (a free-text question has none); `splits` says which question gives the
-- health territory and which the profession.
select q.question_id, q.position, q.section, q.label, q.qtype, q.max_choices, q.ranked,
       q.reverse, q.unit, q.of_question,
       case q.question_id when s.territory_question then 'territory'
                          when s.profession_question then 'profession' end as splits,
       o.option_code, o.position as option_position, o.label as option_label, o.side
from core.dim_survey_question q
join core.dim_survey s using (survey_id)
left join core.dim_survey_option o using (survey_id, question_id)
where q.survey_id = $survey
order by q.position, o.position
