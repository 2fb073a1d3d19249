from django.conf import settings

from .navigation import menu_for
from .notify import unread_count


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"DEMO": settings.DEMO}
    return {
        "DEMO": settings.DEMO,
        "nav_menu": menu_for(user, request.path),
        "unread_count": unread_count(user),
    }
