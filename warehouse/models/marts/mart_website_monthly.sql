-- Grain: one row per month of the network's website statistics: visits (connections), distinct
-- visitors and pages viewed.
with final as (
    select month, visits, visitors, page_views from core.fact_website_month
)
select * from final
