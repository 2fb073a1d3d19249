from django import forms
from django.utils.translation import gettext_lazy as _

from dixian.core.views.generic import ScopedModelForm

from .models import KeyTask

MAX_NOTICE_BYTES = 2 * 1024 * 1024


class KeyTaskForm(ScopedModelForm):
    class Meta:
        model = KeyTask
        fields = [
            "year",
            "doc_number",
            "section_number",
            "section_title",
            "item_number",
            "title",
            "requirement",
            "due_date",
        ]
        widgets = {"due_date": forms.DateInput(attrs={"type": "date"})}


class NoticeUploadForm(forms.Form):
    """The notice file: plain text (.txt), at most 2 MB, UTF-8."""

    file = forms.FileField(label=_("Notice file (.txt, UTF-8)"))
    year = forms.IntegerField(label=_("Year of the tasks"), min_value=2000, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs.update({"class": "form-control", "accept": ".txt"})
        self.fields["year"].widget.attrs.update({"class": "form-control"})

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".txt"):
            raise forms.ValidationError(
                _("Only plain-text notices (.txt) can be imported; “%(name)s” is not one.")
                % {"name": upload.name}
            )
        if upload.size > MAX_NOTICE_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s bytes; at most 2 MB is accepted.") % {"size": upload.size}
            )
        data = upload.read()
        if not data.strip():
            raise forms.ValidationError(_("The file is empty."))
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise forms.ValidationError(
                _("The file is UTF-16 text; save it as UTF-8 and upload it again.")
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(
                _(
                    "The file is not UTF-8 text: invalid byte %(byte)s at position %(offset)s. "
                    "It may be GBK/GB18030; save it as UTF-8 and upload it again."
                )
                % {"byte": f"0x{data[exc.start]:02x}", "offset": exc.start}
            ) from None
        return text


class ProgressReportForm(forms.Form):
    text = forms.CharField(label=_("Progress"), widget=forms.Textarea(attrs={"rows": 5}))
    percent = forms.IntegerField(label=_("Percent complete"), min_value=0, max_value=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.widget.attrs.setdefault("class", "form-control")


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("confirm", _("Confirm")), ("return", _("Return"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Review note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
