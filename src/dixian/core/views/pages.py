"""Shell pages: home, login/logout, inbox, audit log, health."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from .. import clock, security, services
from ..choices import GOVERNMENT_KINDS, Channel, DivisionLevel, OrgKind
from ..filtersets import AuditEventFilterSet, MessageFilterSet
from ..forms import LoginForm
from ..models import AuditEvent, Division, Industry, Message, Organisation, Person
from ..notify import mark_read
from .generic import Column, ObjectDetailView, ObjectListView


@never_cache
@csrf_protect
def login_view(request):
    if request.user.is_authenticated:
        return redirect("home")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = ""
    form = LoginForm(request, data=request.POST or None)
    locked = None
    if request.method == "POST":
        username = request.POST.get("username", "")[:150]
        ip = security.client_ip(request)
        locked = security.locked_until(username, ip)
        if locked:
            services.login_failed(username=username, request_ip=ip, locked=True)
            form.errors.clear()
            form.add_error(
                None,
                _("Too many failed attempts. Sign-in is locked until %(time)s.")
                % {"time": date_format(timezone.localtime(locked), "H:i")},
            )
        elif form.is_valid():
            user = form.get_user()
            security.note_attempt(username, ip, True)
            login(request, user)
            request.session["last_activity"] = int(clock.now().timestamp())
            services.login_recorded(user=user, request_ip=ip)
            return redirect(next_url or "home")
        else:
            security.note_attempt(username, ip, False)
            services.login_failed(username=username, request_ip=ip, locked=False)
    return render(
        request,
        "core/login.html",
        {
            "form": form,
            "next": next_url,
            "locked": locked,
            "idle": request.GET.get("idle") == "1",
        },
    )


def logout_view(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    logout(request)
    return redirect("login")


def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})


@login_required
def home(request):
    user = request.user
    orgs = Organisation.objects.restrict(user)
    enterprises = orgs.filter(kind=OrgKind.ENTERPRISE, is_active=True)
    week_ago = clock.now() - dt.timedelta(days=7)
    audit_qs = AuditEvent.objects.restrict(user)
    # Roll sub-industries (煤矿 under 矿山 …) up to their top-level industry.
    by_industry = []
    for top in Industry.objects.filter(parent__isnull=True).prefetch_related("children"):
        ids = [top.pk, *(c.pk for c in top.children.all())]
        n = enterprises.filter(industries__in=ids).distinct().count()
        if n:
            by_industry.append((top.name, n))
    by_industry.sort(key=lambda item: -item[1])
    townships = Division.objects.filter(level=DivisionLevel.TOWNSHIP)
    by_township = []
    for t in townships:
        n = enterprises.filter(division__path__startswith=t.path).count()
        if n:
            by_township.append({"name": t.name, "value": n})
    points = [
        {
            "name": e.name,
            "lat": float(e.latitude),
            "lng": float(e.longitude),
            "industry": "、".join(i.name for i in e.industries.all()),
            "url": reverse("core:organisation_detail", args=[e.pk]),
        }
        for e in enterprises.filter(
            latitude__isnull=False, longitude__isnull=False
        ).prefetch_related("industries")[:2000]
    ]
    figures = [
        {
            "label": _("Townships"),
            "value": townships.count(),
            "icon": "map-2",
            "url": reverse("core:division_list") + "?level=township",
        },
        {
            "label": _("Government bodies"),
            "value": orgs.filter(kind__in=[k for k in OrgKind if k in GOVERNMENT_KINDS]).count(),
            "icon": "building-bank",
            "url": reverse("core:organisation_list"),
        },
        {
            "label": _("Enterprises"),
            "value": enterprises.count(),
            "icon": "building-factory-2",
            "url": reverse("core:organisation_list") + "?kind=enterprise",
        },
        {
            "label": _("People on record"),
            "value": Person.objects.restrict(user).count(),
            "icon": "users",
            "url": reverse("core:person_list"),
        },
        {
            "label": _("Unread messages"),
            "value": Message.objects.filter(
                recipient=user, channel=Channel.INAPP, read_at__isnull=True
            ).count(),
            "icon": "bell",
            "url": reverse("inbox"),
        },
        {
            "label": _("Recorded actions, last 7 days"),
            "value": audit_qs.filter(at__gte=week_ago).count(),
            "icon": "history",
            "url": reverse("core:auditevent_list"),
        },
    ]
    return render(
        request,
        "core/home.html",
        {
            "figures": figures,
            "chart_industry": {
                "labels": [name for name, _n in by_industry],
                "values": [n for _name, n in by_industry],
            },
            "chart_township": by_township,
            "map_points": points,
            "recent": audit_qs.select_related(None)[:8],
            "own_org": user.org,
        },
    )


class InboxView(ObjectListView):
    model = Message
    title = None
    columns = [Column("subject", link=True), "channel", "created_at", "read_at"]
    filterset_class = MessageFilterSet
    search_fields = ["subject", "body"]
    can_add = False
    template_name = "core/inbox.html"
    url_prefix = "message"

    def get_queryset(self):
        return Message.objects.filter(recipient=self.request.user, channel=Channel.INAPP)


class MessageDetail(ObjectDetailView):
    model = Message
    template_name = "core/message_detail.html"

    def base_queryset(self, action=None):
        return Message.objects.filter(recipient=self.request.user)

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        if obj.read_at is None:
            mark_read(user=request.user, message_ids=[obj.pk])
        return render(request, self.template_name, {"object": obj})


@login_required
@require_POST
def inbox_mark_all_read(request):
    n = mark_read(user=request.user)
    messages.success(request, _("%(n)d messages marked as read.") % {"n": n})
    return redirect("inbox")


@login_required
def bell(request):
    """htmx fragment: the unread count badge."""
    from ..notify import unread_count

    return render(request, "core/_bell.html", {"unread_count": unread_count(request.user)})


class AuditList(ObjectListView):
    model = AuditEvent
    columns = [
        Column("seq", link=True),
        "at",
        "actor_name",
        Column("action_label", gettext_lazy("action"), sortable=False),
        "object_repr",
        "request_id",
    ]
    filterset_class = AuditEventFilterSet
    search_fields = ["object_repr", "action", "actor_name", "request_id"]
    can_add = False
    url_prefix = "core:auditevent"


class AuditDetail(ObjectDetailView):
    model = AuditEvent
    template_name = "core/audit_detail.html"
    editable = False
    fields = [
        "seq",
        "at",
        "actor_name",
        "request_id",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "prev_hash",
        "hash",
    ]


@login_required
@never_cache
def api_token(request):
    """Your API token: issue or rotate (shown once), or revoke."""
    from rest_framework.authtoken.models import Token

    new_key = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.api_token_revoke(actor=request.user)
            messages.success(request, _("Your API token was revoked."))
            return redirect("api_token")
        new_key = services.api_token_rotate(actor=request.user)
    token = Token.objects.filter(user=request.user).first()
    return render(request, "core/api_token.html", {"token": token, "new_key": new_key})
