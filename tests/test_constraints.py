"""The environment the tests run in is the one constraints.txt pins: a fresh machine installs the same."""

from importlib.metadata import distributions
from pathlib import Path

from packaging.utils import canonicalize_name

CONSTRAINTS = Path(__file__).resolve().parents[1] / "constraints.txt"


def pinned() -> dict[str, str]:
    pins = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version.strip()
    return pins


def test_every_installed_distribution_is_pinned_at_its_installed_version() -> None:
    pins = pinned()
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in distributions()}
    installed.pop("sanshe", None)
    for tool in ("pip", "setuptools", "wheel"):  # the venv's own, not the project's
        installed.pop(tool, None)
    unpinned = sorted(name for name in installed if name not in pins)
    drifted = sorted(
        f"{name} {installed[name]} != {pins[name]}"
        for name in installed
        if name in pins and pins[name] != installed[name]
    )
    assert not unpinned, f"installed but not in constraints.txt (run make lock): {unpinned}"
    assert not drifted, f"installed versions differ from constraints.txt: {drifted}"


def test_constraints_hold_no_index_address_and_only_exact_pins() -> None:
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            assert "==" in line and "://" not in line and not line.startswith("-"), line
