"""Errors the service adds to the domain's: each keeps a stable code, an HTTP status and a zh-CN message."""

from models.errors import DomainError


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    status = 401


class Duplicate(DomainError):
    code = "duplicate"
    status = 409


class UploadTooLarge(DomainError):
    code = "upload_too_large"
    status = 413


class UnsupportedUpload(DomainError):
    code = "unsupported_media_type"
    status = 415


class InvalidInput(DomainError):
    code = "invalid_input"
    status = 422


class ClockNotSimulated(DomainError):
    code = "clock.not_simulated"
    status = 409
