"""One router per resource; `service.api.router` collects them."""
