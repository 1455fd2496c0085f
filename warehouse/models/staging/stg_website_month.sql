-- Grain: one row per month of the network's website statistics (source, month).
with latest as (
    select * exclude (month), date_trunc('month', month)::date as month
    from mapped.website_month
    qualify row_number() over (partition by source, date_trunc('month', month)
                               order by _load_id desc, visits desc) = 1
),
final as (
    select source, month, visits, visitors, page_views from latest
)
select * from final
