"""``baocao serve``: the departments' intake and the office's dashboard, one small ASGI
application (Starlette, server-rendered Jinja2 pages, no JavaScript) over the same library
API the CLI uses. ``create_app(WebConfig(...))`` builds it."""
from .app import WebConfig, create_app

__all__ = ["WebConfig", "create_app"]
