-- The specialties usually present at each RCP entity: each group its quorum rule in force on
-- $today requires (for its RCP type: "one of" groups read "a ou b"), then the specialties of the
-- professionals present at $share or more of its sessions over its last year of sessions. No
-- name and no count: a specialty, and why it is listed.
with in_force as (
    select entity_code, group_no, required_specialty
    from core.dim_quorum_requirement
    where valid_from <= $today::date and (valid_to is null or valid_to >= $today::date)
),
required as (
    select q.entity_code, q.group_no,
           string_agg(coalesce(s.label, q.required_specialty), ' ou '
                      order by coalesce(s.label, q.required_specialty)) as label
    from in_force q
    left join ref.specialty s on s.code = q.required_specialty
    group by q.entity_code, q.group_no
),
covered as (
    select entity_code, required_specialty as specialty from in_force
),
recent as (
    select s.entity_code, s.session_id
    from core.fact_session s
    join (select entity_code, max(session_date) as last_day
          from core.fact_session group by entity_code) l using (entity_code)
    where s.session_date > l.last_day - interval 1 year
),
sessions as (
    select entity_code, count(*) as held from recent group by entity_code
),
present as (
    select r.entity_code, a.specialty, count(distinct r.session_id) as attended
    from recent r
    join core.fact_attendance a using (session_id)
    where a.specialty is not null
    group by r.entity_code, a.specialty
),
usual as (
    select p.entity_code, coalesce(s.label, p.specialty) as label
    from present p
    join sessions n using (entity_code)
    left join ref.specialty s on s.code = p.specialty
    where p.attended >= $share * n.held
      and not exists (select 1 from covered c
                      where c.entity_code = p.entity_code and c.specialty = p.specialty)
),
final as (
    select entity_code, label, true as required, group_no as rank from required
    union all
    select entity_code, label, false as required, 1000 as rank from usual
)
select entity_code, label, required from final
order by entity_code, rank, label
