-- Grain: one row per interval of unavailability of the DCC service (downtime_start): the union
-- of the incidents that made it unavailable and of the maintenance windows, overlaps merged, so
-- that a minute down counts once; `planned` when only a maintenance covers it. An incident still
-- open counts until the last moment of the log.
with horizon as (
    select max(t) as last_moment from (
        select max(coalesce(ended_at, started_at)) as t from core.fact_dcc_incident
        union all select max(window_end) from core.fact_dcc_maintenance
    )
),
spans as (
    select started_at as s, coalesce(ended_at, (select last_moment from horizon)) as e,
           false as planned
    from core.fact_dcc_incident where unavailable
    union all
    select window_start, window_end, true from core.fact_dcc_maintenance
),
valid as (
    select * from spans where e > s
),
ordered as (
    -- a span starts a new interval when it begins after every earlier span has ended
    select *, max(e) over (order by s, e rows between unbounded preceding and 1 preceding)
              as reach
    from valid
),
numbered as (
    select *, sum(case when reach is null or s > reach then 1 else 0 end)
                  over (order by s, e rows unbounded preceding) as interval_no
    from ordered
),
final as (
    select min(s) as downtime_start, max(e) as downtime_end, bool_and(planned) as planned
    from numbered
    group by interval_no
)
select * from final
