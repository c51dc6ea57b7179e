"""`python -m service.cli`: how `sanshe up` starts its children."""

from service.cli import app

app()
