"""One module per page area; each has ``add(router, console)`` declaring its routes."""
