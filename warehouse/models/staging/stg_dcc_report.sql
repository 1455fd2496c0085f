-- Grain: one row per adverse-event or malfunction report of the DCC service (source, report_key).
with latest as (
    select * from mapped.dcc_report
    qualify row_number() over (partition by source, report_key
                               order by _load_id desc, reported_at desc) = 1
),
final as (
    select source, report_key, source || ':' || report_key as report_id, reported_at,
           report_type, severity, upper(trim(c3_id)) as c3_id, closed_at
    from latest
)
select * from final
