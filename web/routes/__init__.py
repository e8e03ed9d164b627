"""The site's routes, one module per area; each maps a query's answer to a page or a
feed and holds no rule of its own."""
