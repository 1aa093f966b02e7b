"""FastAPI routers of the sahelkg service; `sahelkg.app.create_app` mounts them."""
