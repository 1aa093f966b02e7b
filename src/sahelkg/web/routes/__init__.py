"""FastAPI routers of the sahelkg service; `sahelkg.web.app.create_app` mounts them."""
