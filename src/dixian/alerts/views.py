"""Pages of the alerts: warnings, the live 叫应 board, the one-tap acknowledgement, 响应,
statistics, the 叫应 directory and CAP."""

from __future__ import annotations

import hmac
import json

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from dixian.core.choices import Action, Channel
from dixian.core.models import ChannelEndpoint
from dixian.core.scoping import may_create
from dixian.core.views.generic import (
    Column,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
)

from . import cap, catalogue, selectors, services
from .forms import (
    CHECKLIST,
    CancelForm,
    CapFeedForm,
    CapUploadForm,
    ContactEntryForm,
    FeedbackForm,
    ResponseForm,
    UpdateForm,
    WarningForm,
)
from .models import (
    AckChannel,
    CapFeed,
    ContactEntry,
    EnterpriseResponse,
    ResponseState,
    Source,
    Warning,
    WarningState,
    WarningTarget,
)


def _errors(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


class WarningList(ObjectListView):
    model = Warning
    title = None
    columns = [
        Column("number", link=True),
        Column("headline"),
        Column("kind_label", _("Warning type"), sortable=False),
        "level",
        "state",
        "area_desc",
        "released_at",
        "expires_at",
    ]
    search_fields = ["number", "headline", "area_desc"]
    select_related = ["issuer"]
    url_prefix = "alerts:warning"


class WarningCreate(LoginRequiredMixin, View):
    """Draft a warning (type, level, area, validity, text); 审核 follows."""

    model = Warning
    action = Action.CHANGE

    def get(self, request):
        if not may_create(request.user, Warning):
            raise Http404
        return self.render(WarningForm())

    def render(self, form):
        return render(
            self.request,
            "alerts/warning_form.html",
            {"form": form, "levels": catalogue.levels(), "types": catalogue.types()},
        )

    def post(self, request):
        if not may_create(request.user, Warning):
            raise Http404
        form = WarningForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                warning = services.draft_warning(
                    actor=request.user,
                    kind=d["kind"],
                    level=d["level"],
                    headline=d["headline"],
                    text=d["text"],
                    instruction=d["instruction"],
                    effective_at=d["effective_at"],
                    expires_at=d["expires_at"],
                    divisions=d["divisions"],
                    polygon=d["polygon"],
                    roles=d["roles"],
                )
            except ValidationError as exc:
                for field, errs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
            else:
                messages.success(request, _("Draft saved: %(n)s") % {"n": warning.number})
                return redirect("alerts:warning_detail", warning.pk)
        messages.error(request, _("Please correct the fields marked below."))
        return self.render(form)


class WarningEdit(LoginRequiredMixin, View):
    """The drafter edits a warning before release (an approved one returns to draft)."""

    model = Warning
    action = Action.CHANGE

    def get_warning(self, request, pk):
        return get_object_or_404(Warning.objects.restrict(request.user, Action.CHANGE), pk=pk)

    def render(self, form, warning, locked=""):
        return render(
            self.request,
            "alerts/warning_form.html",
            {
                "form": form,
                "w": warning,
                "editing": True,
                "locked": locked,
                "levels": catalogue.levels(),
                "types": catalogue.types(),
            },
        )

    def get(self, request, pk):
        warning = self.get_warning(request, pk)
        if not services.may_edit(request.user, warning):
            # Those who may change the warning see why they cannot edit it here.
            if warning.state not in (WarningState.DRAFT, WarningState.APPROVED):
                locked = _("Only a warning that is not yet released can be edited.")
            else:
                locked = _("Only its drafter can edit a draft.")
            return self.render(None, warning, locked)
        form = WarningForm(
            initial={
                "kind": warning.kind,
                "level": warning.level,
                "headline": warning.headline,
                "text": warning.text,
                "instruction": warning.instruction,
                "divisions": list(warning.divisions.all()),
                "polygon": json.dumps(warning.polygon) if warning.polygon else "",
                "roles": warning.roles,
                "effective_at": timezone.localtime(warning.effective_at),
                "expires_at": timezone.localtime(warning.expires_at),
            }
        )
        return self.render(form, warning)

    def post(self, request, pk):
        warning = self.get_warning(request, pk)
        if not services.may_edit(request.user, warning):
            raise Http404
        was_approved = warning.state == WarningState.APPROVED
        form = WarningForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.edit_draft(
                    actor=request.user,
                    warning=warning,
                    kind=d["kind"],
                    level=d["level"],
                    headline=d["headline"],
                    text=d["text"],
                    instruction=d["instruction"],
                    effective_at=d["effective_at"],
                    expires_at=d["expires_at"],
                    divisions=d["divisions"],
                    polygon=d["polygon"],
                    roles=d["roles"],
                )
            except ValidationError as exc:
                if hasattr(exc, "message_dict"):
                    for field, errs in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errs)
                else:
                    form.add_error(None, exc.messages)
            except PermissionDenied:
                raise Http404 from None
            else:
                if was_approved:
                    messages.warning(
                        request, _("Draft saved. It was approved before: it needs approval again.")
                    )
                else:
                    messages.success(request, _("Draft saved: %(n)s") % {"n": warning.number})
                return redirect("alerts:warning_detail", warning.pk)
        messages.error(request, _("Please correct the fields marked below."))
        return self.render(form, warning)


class WarningDetail(LoginRequiredMixin, View):
    """The warning and its live 叫应 board."""

    model = Warning

    def get(self, request, pk):
        warning = get_object_or_404(Warning.objects.restrict(request.user), pk=pk)
        may_change = Warning.objects.restrict(request.user, Action.CHANGE).filter(pk=pk).exists()
        board = selectors.board(warning, request.user)
        context = {
            "w": warning,
            "board": board,
            "may_change": may_change,
            "may_edit": may_change and services.may_edit(request.user, warning),
            "may_approve": may_change
            and warning.state == WarningState.DRAFT
            and warning.drafter_id != request.user.pk,
            "cancel_form": CancelForm(),
            "checklist": dict(CHECKLIST),
            "area_json": selectors.area_geo(warning),
        }
        return render(request, "alerts/warning_detail.html", context)


class WarningLive(LoginRequiredMixin, View):
    """The board's live part (htmx every few seconds)."""

    model = Warning

    def get(self, request, pk):
        warning = get_object_or_404(Warning.objects.restrict(request.user), pk=pk)
        board = selectors.board(warning, request.user)
        return render(request, "alerts/_board.html", {"w": warning, "board": board})


class _WarningPost(LoginRequiredMixin, View):
    scoping = "post_only"

    def get(self, request, pk):
        raise Http404

    def post(self, request, pk):
        warning = get_object_or_404(Warning.objects.restrict(request.user, Action.CHANGE), pk=pk)
        try:
            self.act(request, warning)
        except ValidationError as exc:
            for m in _errors(exc):
                messages.error(request, m)
        except PermissionDenied:
            raise Http404 from None
        return redirect("alerts:warning_detail", warning.pk)


class WarningApprove(_WarningPost):
    def act(self, request, warning):
        services.approve_warning(actor=request.user, warning=warning)
        messages.success(request, _("Approved."))


class WarningRelease(_WarningPost):
    def act(self, request, warning):
        summary = services.release_warning(actor=request.user, warning=warning)
        messages.success(
            request,
            _("Released: %(t)s people called, %(r)s required actions for enterprises.")
            % {"t": summary["targets"], "r": summary["responses"]},
        )


class WarningCancel(_WarningPost):
    def act(self, request, warning):
        form = CancelForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Give a reason for the cancellation."))
        services.cancel_warning(
            actor=request.user, warning=warning, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("Cancelled."))


class WarningUpdate(LoginRequiredMixin, View):
    """Raise or lower the level of a released warning: a linked new draft."""

    model = Warning
    action = Action.CHANGE

    def get_warning(self, request, pk):
        return get_object_or_404(Warning.objects.restrict(request.user, Action.CHANGE), pk=pk)

    def get(self, request, pk):
        warning = self.get_warning(request, pk)
        form = UpdateForm(
            initial={
                "level": warning.level,
                "headline": warning.headline,
                "text": warning.text,
                "expires_at": timezone.localtime(warning.expires_at),
            }
        )
        return render(request, "alerts/warning_update.html", {"w": warning, "form": form})

    def post(self, request, pk):
        warning = self.get_warning(request, pk)
        form = UpdateForm(request.POST)
        if form.is_valid():
            try:
                new = services.make_update(actor=request.user, warning=warning, **form.cleaned_data)
            except ValidationError as exc:
                for m in _errors(exc):
                    form.add_error(None, m)
            else:
                messages.success(request, _("Update drafted: %(n)s") % {"n": new.number})
                return redirect("alerts:warning_detail", new.pk)
        return render(request, "alerts/warning_update.html", {"w": warning, "form": form})


class WarningCap(LoginRequiredMixin, View):
    """The warning as CAP 1.2 XML."""

    model = Warning

    def get(self, request, pk):
        warning = get_object_or_404(Warning.objects.restrict(request.user), pk=pk)
        response = HttpResponse(cap.export(warning), content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="{warning.number}.cap.xml"'
        return response


class WarningFeedback(LoginRequiredMixin, View):
    """A signed-in target reports measures (回应) and acknowledges."""

    model = Warning

    def get(self, request, pk):
        warning = get_object_or_404(Warning.objects.restrict(request.user), pk=pk)
        return render(request, "alerts/feedback.html", {"w": warning, "form": FeedbackForm()})

    def post(self, request, pk):
        warning = get_object_or_404(Warning.objects.restrict(request.user), pk=pk)
        form = FeedbackForm(request.POST, request.FILES)
        if form.is_valid():
            target = selectors.own_target(warning, request.user)
            try:
                if target is not None:
                    services.acknowledge(target=target, channel=AckChannel.APP, actor=request.user)
                services.submit_feedback(
                    warning=warning,
                    target=target,
                    actor=request.user,
                    text=form.cleaned_data["text"],
                    checklist=form.cleaned_data["checklist"],
                    photo=form.cleaned_data["photo"],
                )
            except services.WarningClosed:
                form.add_error(None, _("This warning is closed."))
            else:
                messages.success(request, _("Thank you: your report is recorded."))
                return redirect("alerts:warning_detail", warning.pk)
        return render(request, "alerts/feedback.html", {"w": warning, "form": form})


@method_decorator(csrf_exempt, name="dispatch")
class Acknowledge(View):
    """The one-tap acknowledgement link of a 叫应 message (no login; a signed token).

    CSRF-exempt: the signed token in the URL is the only credential (no session or cookie
    authorises anything here), so a forged cross-site POST can do nothing the holder of the
    link cannot; phones opening the link from an SMS need no cookie round trip.
    """

    scoping = "token"

    def target(self, token):
        target = services.target_for_token(token)
        if target is None:
            raise Http404
        return target

    def get(self, request, token):
        target = self.target(token)
        return self.render(target, FeedbackForm())

    def render(self, target, form, status=200):
        warning = target.warning
        return render(
            self.request,
            "alerts/ack.html",
            {
                "t": target,
                "w": warning,
                "form": form,
                "closed": warning.state != WarningState.RELEASED,
            },
            status=410
            if warning.state in (WarningState.CANCELLED, WarningState.UPDATED)
            else status,
        )

    def post(self, request, token):
        target_id = services.target_id_for_token(token)
        if target_id is None:
            raise Http404
        if request.POST.get("do") == "feedback":
            target = self.target(token)
            form = FeedbackForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    services.acknowledge(target=target, channel=AckChannel.LINK)
                    services.submit_feedback(
                        warning=target.warning,
                        target=target,
                        text=form.cleaned_data["text"],
                        checklist=form.cleaned_data["checklist"],
                        photo=form.cleaned_data["photo"],
                    )
                except services.WarningClosed:
                    pass
                else:
                    messages.success(request, _("Thank you: your report is recorded."))
                    return redirect(request.path)
            return self.render(target, form)
        try:
            services.acknowledge_id(target_id, channel=AckChannel.LINK)
        except services.WarningClosed:
            pass
        except WarningTarget.DoesNotExist:
            raise Http404 from None
        return redirect(request.path)


@method_decorator(csrf_exempt, name="dispatch")
class SmsInbound(View):
    """Inbound SMS from the gateway: ``{"phone", "text"}`` (JSON or form), bearer token = the
    SMS endpoint's secret. A reply code in the text acknowledges the call."""

    scoping = "post_only"

    def get(self, request):
        raise Http404

    def post(self, request):
        secrets_ = [
            e.secret
            for e in ChannelEndpoint.objects.filter(kind=Channel.SMS, enabled=True)
            if e.secret
        ]
        auth = request.headers.get("Authorization", "")
        given = auth.removeprefix("Bearer ").strip()
        if not secrets_ or not any(hmac.compare_digest(given, s) for s in secrets_):
            return JsonResponse({"code": 401, "msg": "unauthorised"}, status=401)
        try:
            data = (
                json.loads(request.body or b"{}")
                if request.content_type == "application/json"
                else request.POST
            )
        except ValueError:
            return JsonResponse({"code": 400, "msg": "bad json"}, status=400)
        target = services.acknowledge_by_sms(
            phone=str(data.get("phone", "")), text=str(data.get("text", ""))
        )
        return JsonResponse({"code": 0, "matched": target is not None})


class ResponseList(ObjectListView):
    model = EnterpriseResponse
    columns = [
        Column("warning", link=True),
        "enterprise",
        Column("action_label", _("Required action"), sortable=False),
        "state",
        "people_withdrawn",
        "confirmed_at",
    ]
    select_related = ["warning", "enterprise"]
    url_prefix = "alerts:response"
    can_add = False


class ResponseConfirm(LoginRequiredMixin, View):
    """A targeted enterprise confirms a required action (响应)."""

    model = EnterpriseResponse

    def get_obj(self, request, pk, action=Action.VIEW):
        return get_object_or_404(
            EnterpriseResponse.objects.restrict(request.user, action).select_related(
                "warning", "enterprise"
            ),
            pk=pk,
        )

    def context(self, r, form):
        may = (
            r.state == ResponseState.PENDING
            and EnterpriseResponse.objects.restrict(self.request.user, Action.CHANGE)
            .filter(pk=r.pk)
            .exists()
        )
        return {"r": r, "form": form, "may_confirm": may}

    def get(self, request, pk):
        r = self.get_obj(request, pk)
        return render(request, "alerts/response_confirm.html", self.context(r, ResponseForm()))

    def post(self, request, pk):
        r = self.get_obj(request, pk, Action.CHANGE)
        form = ResponseForm(request.POST)
        if form.is_valid():
            try:
                services.confirm_response(
                    actor=request.user,
                    response=r,
                    people_withdrawn=form.cleaned_data["people_withdrawn"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                if hasattr(exc, "message_dict"):
                    for field, errs in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errs)
                else:
                    form.add_error(None, exc.messages)
            else:
                messages.success(request, _("Confirmed."))
                return redirect("alerts:response_detail", r.pk)
        return render(request, "alerts/response_confirm.html", self.context(r, form))


class Stats(LoginRequiredMixin, View):
    """叫应率 and mean time to answer by township and period."""

    def get(self, request):
        data = selectors.statistics(request.user, request.GET.get("days", "30"))
        return render(request, "alerts/stats.html", data)


class CapImport(LoginRequiredMixin, View):
    """Upload a CAP 1.2 file: it becomes a draft (or is refused with every problem listed)."""

    model = Warning
    action = Action.CHANGE

    def get(self, request):
        if not may_create(request.user, Warning):
            raise Http404
        return render(request, "alerts/cap_import.html", {"form": CapUploadForm()})

    def post(self, request):
        if not may_create(request.user, Warning):
            raise Http404
        form = CapUploadForm(request.POST, request.FILES)
        errors = []
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > cap.MAX_BYTES:
                errors = [_("The file is too large.")]
            else:
                try:
                    result = cap.import_message(
                        upload.read(), actor=request.user, source=Source.CAP_UPLOAD
                    )
                except cap.CapError as exc:
                    errors = exc.errors
                else:
                    if result.get("warning"):
                        messages.success(request, _("CAP message imported."))
                        return redirect("alerts:warning_detail", result["warning"])
                    messages.info(request, _("Nothing to import from this message."))
        return render(request, "alerts/cap_import.html", {"form": form, "cap_errors": errors})


# Registry pages: the 叫应 directory and CAP feeds (generic views).


class ContactList(ObjectListView):
    model = ContactEntry
    columns = [
        Column("division", link=True),
        "role",
        "facility",
        "person",
        Column("person.mobile", _("Mobile")),
        "deputy",
        "superior",
    ]
    search_fields = ["person__name", "division__name", "facility"]
    select_related = ["division", "person", "deputy", "superior"]


class ContactDetail(ObjectDetailView):
    model = ContactEntry


class ContactEdit(ObjectEditView):
    model = ContactEntry
    form_class = ContactEntryForm


class ContactDelete(ObjectDeleteView):
    model = ContactEntry


class FeedList(ObjectListView):
    model = CapFeed
    columns = [
        Column("name", link=True),
        "url",
        "mode",
        "enabled",
        "last_fetched_at",
        "last_result",
    ]


class FeedDetail(ObjectDetailView):
    model = CapFeed


class FeedEdit(ObjectEditView):
    model = CapFeed
    form_class = CapFeedForm


class FeedDelete(ObjectDeleteView):
    model = CapFeed
