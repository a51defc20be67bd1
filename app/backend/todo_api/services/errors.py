"""Errors the service layer raises; each door (REST, MCP, chat) turns them into its own answer."""


class ServiceError(Exception):
    """Base class: the message is safe to show to the user."""


class NotFoundError(ServiceError):
    pass


class ConflictError(ServiceError):
    pass


class InvalidInputError(ServiceError):
    pass
