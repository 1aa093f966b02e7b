"""The HTTP service: app, routes, pages."""
