"""drf-spectacular extensions of the project's own API classes (registered on import, from
`helpdesk.api`'s URL patterns)."""

from drf_spectacular.authentication import SessionScheme


class CsrfSessionScheme(SessionScheme):
    """`helpdesk.api.CsrfSessionAuthentication` is DRF's session scheme in the schema."""

    target_class = "helpdesk.api.CsrfSessionAuthentication"
