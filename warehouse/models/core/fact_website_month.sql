-- Grain: one row per month of the network's website statistics (month).
with final as (
    select month, year(month) as year, sum(visits)::bigint as visits,
           sum(visitors)::bigint as visitors, sum(page_views)::bigint as page_views
    from staging.stg_website_month
    group by month
)
select * from final
