"""Domain errors: each has a stable machine code, an HTTP status and a zh-CN message naming the rule."""

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleViolation:
    """One failed seed rule: a stable code and the Chinese sentence a user reads.

    `overridable`: a phase window, which the event's `override_roles` may set aside with a reason."""

    code: str
    message: str
    overridable: bool = False


class DomainError(Exception):
    code = "domain_error"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownEvent(DomainError):
    code = "unknown_event"
    status = 422


class OutOfScope(DomainError):
    """Answered as 'not found' so that existence is not leaked."""

    code = "not_found"
    status = 404


class RoleNotAllowed(DomainError):
    code = "role_not_allowed"
    status = 403


class EventNotAllowedInState(DomainError):
    code = "event_not_allowed_in_state"
    status = 409


class StaleVersion(DomainError):
    code = "stale_version"
    status = 409


class VersionRequired(DomainError):
    """A write on a versioned row must say which version it read, so that nobody overwrites a change unseen."""

    code = "version_required"
    status = 422


class ReasonRequired(DomainError):
    code = "reason_required"
    status = 422


class RulesFailed(DomainError):
    """A guard refused: lists every failed rule, not only the first."""

    code = "rules_failed"
    status = 422

    def __init__(self, violations: list[RuleViolation]) -> None:
        super().__init__("；".join(v.message for v in violations))
        self.violations = violations


class InvalidProgramme(DomainError):
    code = "invalid_programme"
    status = 422
