from typing import Any

from flask import Flask
from werkzeug.wrappers import Response

from authlib.integrations.base_client import OAuthError as OAuthError
from authlib.integrations.requests_client import OAuth2Session

class FlaskOAuth2App:
    client_id: str
    # The session class it talks to the provider with.
    client_cls: type[OAuth2Session]
    def load_server_metadata(self) -> dict[str, Any]: ...
    def fetch_jwk_set(self, force: bool = False) -> dict[str, Any]: ...
    def authorize_redirect(self, redirect_uri: str | None = None, **kwargs: Any) -> Response: ...
    # The token endpoint's answer; "userinfo" holds the checked ID token's claims.
    def authorize_access_token(self, **kwargs: Any) -> dict[str, Any]: ...

class OAuth:
    def __init__(self, app: Flask | None = None, cache: Any = None, fetch_token: Any = None,
                 update_token: Any = None) -> None: ...
    def init_app(self, app: Flask, cache: Any = None, fetch_token: Any = None,
                 update_token: Any = None) -> None: ...
    def register(self, name: str, overwrite: bool = False, **kwargs: Any) -> FlaskOAuth2App: ...
