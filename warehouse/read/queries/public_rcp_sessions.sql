-- The next $count sessions of each RCP entity from its schedule (weekday, hour, every
-- `every_weeks` weeks), on or after $today: counted from its sessions in the warehouse that fell
-- on its weekday (the first one to come, else the last one held), or from its next weekday when
-- it has none. Cancellations are not known here; the public directory leaves out the sessions
-- that fall on a public holiday (rrc/holidays.py), so it asks for more than it shows.
with held as (
    select s.entity_code,
           min(s.session_date) filter (where s.session_date >= $today) as next_held,
           max(s.session_date) filter (where s.session_date < $today) as last_held
    from core.fact_session s
    join core.dim_rcp_entity e using (entity_code)
    where isodow(s.session_date) = e.weekday
    group by s.entity_code
),
schedule as (
    select e.entity_code, e.hour, 7 * e.every_weeks as step,
           coalesce(
               h.next_held,
               h.last_held + (ceil(date_diff('day', h.last_held, $today::date)
                                   / (7.0 * e.every_weeks)) * 7 * e.every_weeks)::integer,
               $today::date + ((e.weekday - isodow($today::date) + 7) % 7)::integer
           ) as first_day
    from core.dim_rcp_entity e
    left join held h using (entity_code)
    where e.weekday between 1 and 7 and e.every_weeks >= 1
),
final as (
    select s.entity_code, (s.first_day + (n.i * s.step)::integer) as session_day,
           s.hour
    from schedule s
    cross join range(0, $count) as n(i)
)
select * from final
order by entity_code, session_day
