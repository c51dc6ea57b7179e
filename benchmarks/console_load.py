"""The load `benchmarks.console` puts on one console page: signed-in readers asking for it as fast as it answers.

A locustfile, run by `benchmarks.console` in a process of its own (`locust -f benchmarks/console_load.py`); the
page's addresses (one a line, each request picks one) and the session cookie come in the environment.
"""

import os
import random

from locust import FastHttpUser, constant, task

PATHS = os.environ.get("SANSHE_BENCH_PATHS", "/console/").split("\n")
COOKIE = os.environ.get("SANSHE_BENCH_COOKIE", "")
HEADING = "<h1"  # every console page has one; a sign-in redirect or an error page would not be the page


class Reader(FastHttpUser):
    wait_time = constant(0)

    @task
    def read(self) -> None:
        with self.client.get(
            random.choice(PATHS), headers={"Cookie": COOKIE}, name="page", catch_response=True, allow_redirects=False
        ) as response:
            if response.status_code != 200 or HEADING not in (response.text or ""):
                response.failure(f"HTTP {response.status_code}")
