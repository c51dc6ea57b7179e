"""The domain imports nothing outward: every module of models/ loads without schedules, service or flows."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import models
from service.effects import unbound_effects

ROOT = Path(__file__).resolve().parents[2]
OUTWARD = ("schedules", "service", "flows")


def test_models_import_nothing_outward() -> None:
    names = sorted(f"models.{m.name}" for m in pkgutil.iter_modules(models.__path__))
    script = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        f"outward = sorted(m for m in sys.modules if m.split('.')[0] in {OUTWARD!r})\n"
        "print('\\n'.join(outward))\n"
    )
    found = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert found.stdout.split() == [], f"models/ imports outward: {found.stdout}"


def test_every_named_effect_is_bound() -> None:
    assert unbound_effects() == set()


def test_the_api_starts_without_prefect() -> None:
    """`import prefect` costs seconds: the API and the console load it only when a job runs (schedules/runner.py)."""
    script = "import sys, service.app\nprint('prefect' in sys.modules)\n"
    found = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"
