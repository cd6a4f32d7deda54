from requests import Session

# requests' Session, which authlib's clients use to talk to the provider.
class OAuth2Session(Session): ...
