"""Core services: every state change of the core models goes through here.

Each service checks scope, makes the change, appends the audit event in the same
transaction and queues side effects with ``transaction.on_commit`` (via the outbox).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404

from . import audit
from .choices import Action, Role
from .models import Organisation, User


def _check_in_scope(actor, instance, action: str) -> None:
    if instance.pk is None:
        return
    model = type(instance)
    if not model._default_manager.restrict(actor, action).filter(pk=instance.pk).exists():
        raise Http404


def object_save(*, actor, instance, form=None, action: str | None = None, m2m: dict | None = None):
    """Create or update a registry object (generic edit views), with an audit event.

    With a bound, valid ``form`` the form saves the object; otherwise ``instance`` is saved.
    The saved object must stay inside the actor's scope (no moving things out of reach).
    """
    model = type(instance)
    creating = instance.pk is None
    with transaction.atomic():
        before = None
        if not creating:
            _check_in_scope(actor, instance, Action.CHANGE)
            before = audit.snapshot(model._default_manager.get(pk=instance.pk))
        if form is not None:
            instance = form.save()
        else:
            instance.full_clean()
            instance.save()
            for name, values in (m2m or {}).items():
                getattr(instance, name).set(values)
        if (
            not model._default_manager.restrict(actor, Action.CHANGE)
            .filter(pk=instance.pk)
            .exists()
        ):
            raise PermissionDenied("the object would leave your scope")
        after = audit.snapshot(instance)
        audit.record(
            action=action or f"{model._meta.model_name}.{'create' if creating else 'update'}",
            obj=instance,
            before=before,
            after=after,
            actor=actor,
        )
    return instance


def object_delete(*, actor, instance, action: str | None = None) -> None:
    model = type(instance)
    with transaction.atomic():
        _check_in_scope(actor, instance, Action.DELETE)
        before = audit.snapshot(instance)
        org_id = audit._org_hint(instance)
        object_repr, pk = str(instance)[:255], instance.pk
        instance.delete()
        audit.record(
            action=action or f"{model._meta.model_name}.delete",
            object_type=model._meta.label_lower,
            object_id=str(pk),
            object_repr=object_repr,
            before=before,
            after=None,
            actor=actor,
            org_id=org_id,
        )


def user_create(
    *,
    actor,
    username: str,
    password: str,
    role: str,
    org: Organisation | None,
    person=None,
    display_name: str = "",
    email: str = "",
) -> User:
    """Create a login. Only administrators (or the system, with ``actor=None``) may."""
    if actor is not None and not (actor.is_superuser or actor.role == Role.ADMIN):
        raise PermissionDenied
    from django.contrib.auth.password_validation import validate_password

    user = User(
        username=username, role=role, org=org, person=person, display_name=display_name, email=email
    )
    validate_password(password, user)
    user.set_password(password)
    with transaction.atomic():
        user.full_clean(exclude=["password"])
        user.save()
        audit.record(action="user.create", obj=user, after=audit.snapshot(user), actor=actor)
    return user


def user_set_password(*, actor, user: User, password: str) -> None:
    from django.contrib.auth.password_validation import validate_password

    if (
        actor is not None
        and actor.pk != user.pk
        and not (actor.is_superuser or actor.role == Role.ADMIN)
    ):
        raise PermissionDenied
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.record(action="user.set_password", obj=user, actor=actor)


def login_recorded(*, user, request_ip: str | None) -> None:
    audit.record(action="user.login", obj=user, actor=user, after={"ip": request_ip})


def login_failed(*, username: str, request_ip: str | None, locked: bool) -> None:
    audit.record(
        action="user.login_locked" if locked else "user.login_failed",
        object_type="core.user",
        object_repr=username[:150],
        after={"ip": request_ip},
    )


def api_token_rotate(*, actor) -> str:
    """Issue a new API token for the actor, revoking the old one (audited; key not logged)."""
    from rest_framework.authtoken.models import Token

    with transaction.atomic():
        had = Token.objects.filter(user=actor).delete()[0] > 0
        token = Token.objects.create(user=actor)
        audit.record(
            action="user.api_token_rotate" if had else "user.api_token_create",
            obj=actor,
            actor=actor,
            after={"created": token.created.isoformat()},
        )
    return token.key


def api_token_revoke(*, actor) -> bool:
    from rest_framework.authtoken.models import Token

    with transaction.atomic():
        removed = Token.objects.filter(user=actor).delete()[0] > 0
        if removed:
            audit.record(action="user.api_token_revoke", obj=actor, actor=actor)
    return removed
