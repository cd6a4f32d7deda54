class OAuthError(Exception):
    error: str
    description: str | None
    def __init__(self, error: str | None = None, description: str | None = None,
                 uri: str | None = None) -> None: ...

# The state in the callback is not one this browser's session started.
class MismatchingStateError(OAuthError): ...
