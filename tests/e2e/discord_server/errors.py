"""Discord's JSON error answers."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error the REST API answers with ``{"code": ..., "message": ...}``."""

    def __init__(self, status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        """Return the JSON body Discord would send."""
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def unauthorized() -> ApiError:
    """401 for a missing or wrong bot token."""
    return ApiError(401, 0, "401: Unauthorized")


def not_found() -> ApiError:
    """404 for a path no route matches."""
    return ApiError(404, 0, "404: Not Found")


def method_not_allowed() -> ApiError:
    """405 for a known path with an unsupported method."""
    return ApiError(405, 0, "405: Method Not Allowed")


def unknown_channel() -> ApiError:
    """10003."""
    return ApiError(404, 10003, "Unknown Channel")


def unknown_guild() -> ApiError:
    """10004."""
    return ApiError(404, 10004, "Unknown Guild")


def unknown_member() -> ApiError:
    """10007."""
    return ApiError(404, 10007, "Unknown Member")


def unknown_message() -> ApiError:
    """10008."""
    return ApiError(404, 10008, "Unknown Message")


def unknown_role() -> ApiError:
    """10011."""
    return ApiError(404, 10011, "Unknown Role")


def unknown_user() -> ApiError:
    """10013."""
    return ApiError(404, 10013, "Unknown User")


def unknown_emoji() -> ApiError:
    """10014."""
    return ApiError(400, 10014, "Unknown Emoji")


def unknown_webhook() -> ApiError:
    """10015."""
    return ApiError(404, 10015, "Unknown Webhook")


def unknown_application() -> ApiError:
    """10002."""
    return ApiError(404, 10002, "Unknown Application")


def unknown_command() -> ApiError:
    """10063."""
    return ApiError(404, 10063, "Unknown application command")


def unknown_interaction() -> ApiError:
    """10062: the interaction does not exist or its 3 s response window passed."""
    return ApiError(404, 10062, "Unknown interaction")


def already_acknowledged() -> ApiError:
    """40060."""
    return ApiError(400, 40060, "Interaction has already been acknowledged.")


def missing_access() -> ApiError:
    """50001: the bot cannot see the channel."""
    return ApiError(403, 50001, "Missing Access")


def cannot_edit_others() -> ApiError:
    """50005."""
    return ApiError(403, 50005, "Cannot edit a message authored by another user")


def empty_message() -> ApiError:
    """50006."""
    return ApiError(400, 50006, "Cannot send an empty message")


def cannot_dm_user() -> ApiError:
    """50007."""
    return ApiError(403, 50007, "Cannot send messages to this user")


def missing_permissions() -> ApiError:
    """50013."""
    return ApiError(403, 50013, "Missing Permissions")


def cannot_send_in_non_text_channel() -> ApiError:
    """50008: a forum takes posts (``POST /channels/{id}/threads``), not messages."""
    return ApiError(400, 50008, "Cannot send messages in a non-text channel")


def wrong_channel_type() -> ApiError:
    """50024."""
    return ApiError(400, 50024, "Cannot execute action on this channel type")


def invalid_webhook_token() -> ApiError:
    """50027: the interaction token expired (15 minutes)."""
    return ApiError(401, 50027, "Invalid Webhook Token")


def archived_thread() -> ApiError:
    """50083."""
    return ApiError(400, 50083, "Thread is archived")


def entity_too_large() -> ApiError:
    """40005: an upload larger than the attachment size limit (HTTP 413)."""
    return ApiError(413, 40005, "Request entity too large")


def invalid_json() -> ApiError:
    """50109."""
    return ApiError(400, 50109, "The request body contains invalid JSON.")


def thread_exists() -> ApiError:
    """160004."""
    return ApiError(400, 160004, "A thread has already been created for this message")


def max_reactions() -> ApiError:
    """30010."""
    return ApiError(400, 30010, "Maximum number of reactions reached (20)")


def invalid_form_body(errors: dict[str, Any]) -> ApiError:
    """50035 with Discord's nested ``errors`` object."""
    return ApiError(400, 50035, "Invalid Form Body", errors)


def field_error(code: str, message: str) -> dict[str, Any]:
    """Return the leaf of a 50035 ``errors`` tree."""
    return {"_errors": [{"code": code, "message": message}]}
