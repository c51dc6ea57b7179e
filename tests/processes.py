"""What tests need to run the service's own processes beside them: the database's URL for a child, and a clean stop."""

import subprocess

from sqlalchemy import Engine, text


def database_url(engine: Engine) -> str:
    """The URL a second process opens the same database with (a PostgreSQL schema travels in `options`)."""
    url = engine.url
    if url.get_backend_name() == "postgresql":
        with engine.connect() as connection:
            schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def stop(process: subprocess.Popen[bytes] | subprocess.Popen[str], *, timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL if it has not ended within `timeout` seconds; always reaped."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
