"""The public site for residents: published outcomes, rankings, wishes and needs,
statistics, receipt lookup and the signed checkpoints, as HTML pages (Chinese first, an
English switch, no login, no script) and JSON/CSV feeds, with an Open311 GeoReport v2
view. It reads only public queries, which answer allowlisted fields only."""
