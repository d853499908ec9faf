"""Forms of the operator pages. They validate input only; services do the work."""

from __future__ import annotations

from html import escape
from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from helpdesk import limits
from helpdesk.models import ApiToken, OperatorProfile, Ticket
from helpdesk.web.inbox import DEFAULT_SORT, SORTS, VIEWS, InboxFilters


def options_html(field: forms.ChoiceField, value: Any) -> SafeString:
    """The ``<option>`` elements of ``field``'s choices with ``value`` selected, every text escaped.

    Django's Select widget renders a template per option (about 0.1 ms each here); menus on the
    busiest pages are written this way instead, as the same HTML."""
    current = "" if value is None else str(value)
    return mark_safe(  # noqa: S308 - every value and label is escaped above
        "".join(
            f'<option value="{escape(str(key))}"{" selected" if str(key) == current else ""}>'
            f"{escape(str(label))}</option>"
            for key, label in cast(Any, field.choices)
        )
    )


class InboxFilterForm(forms.Form):
    view = forms.ChoiceField(label=_("View"), choices=list(VIEWS.items()), required=False)
    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("unsolved", _("Unsolved")), ("", _("Any status")), *Ticket.Status.choices],
        required=False,
    )
    queue = forms.TypedChoiceField(label=_("Queue"), coerce=int, empty_value=None, required=False)
    tag = forms.TypedChoiceField(label=_("Tag"), coerce=int, empty_value=None, required=False)
    language = forms.ChoiceField(
        label=_("Language"), choices=[("", _("Any language")), *settings.LANGUAGES], required=False
    )
    sort = forms.ChoiceField(
        label=_("Sort by"), choices=[(key, label) for key, (label, _keys) in SORTS.items()], required=False
    )

    def __init__(self, data: Any, *, queues: list[Any] | None, tags: list[Any] | None) -> None:
        """``queues`` and ``tags`` are the menus' choices; ``None`` accepts any id without reading them
        (pages that only pass the inbox's filters on, where the inbox checks them again)."""
        super().__init__(data)
        for name, objects, anything in (("queue", queues, _("Any queue")), ("tag", tags, _("Any tag"))):
            if objects is None:
                self.fields[name] = forms.IntegerField(required=False, min_value=1)
            else:
                choices = [("", anything), *((o.pk, o.name) for o in objects)]
                cast(forms.ChoiceField, self.fields[name]).choices = choices

    def selects(self, filters: InboxFilters) -> list[dict[str, Any]]:
        """The filter menus as plain data (Django's widget templates cost ~7 ms for these five)."""
        current = {
            "status": filters.status,
            "queue": filters.queue,
            "tag": filters.tag,
            "language": filters.language,
            "sort": filters.sort,
        }
        menus = []
        for name, value in current.items():
            field = cast(forms.ChoiceField, self.fields[name])
            menus.append(
                {
                    "name": name,
                    "id": f"id_{name}",
                    "label": field.label,
                    "options": options_html(field, value),
                }
            )
        return menus

    def filters(self, *, after: str = "", before: str = "") -> InboxFilters:
        """The valid part of the input as filters; an invalid field falls back to its default."""
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        # No status in the query means the default view of unsolved tickets; "" means any status.
        status = data["status"] if "status" in self.data and "status" in data else "unsolved"
        return InboxFilters(
            view=data.get("view") or "all",
            status=status,
            queue=data.get("queue"),
            tag=data.get("tag"),
            language=data.get("language") or "",
            q=(data.get("q") or "").strip(),
            sort=data.get("sort") or DEFAULT_SORT,
            after=after,
            before=before,
        )


class TicketPropertiesForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Ticket.Status.choices)
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Ticket.Priority.choices, coerce=int)
    assignee = forms.TypedChoiceField(label=_("Assignee"), coerce=int, empty_value=None, required=False)
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=1000,
        help_text=_("Separated by commas."),
    )

    def __init__(self, *args: Any, users: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [
            ("", _("Nobody")),
            *((u.pk, u.get_full_name() or u.get_username()) for u in users),
        ]

    def controls(self) -> list[dict[str, Any]]:
        """The fields as plain data for the ticket page: the menus' options already written as HTML.

        A bound form shows what was posted, an unbound one the ticket's values, as Django's widgets would.
        Each control also carries the value the page showed (``shown``, posted back as ``initial-<name>``),
        so a save can tell what its user changed from what changed under them (``changes``)."""
        controls = []
        for bound in self:
            field = bound.field
            control: dict[str, Any] = {
                "name": bound.name,
                "id": bound.auto_id,
                "label": bound.label,
                "errors": bound.errors,
                "help_text": field.help_text,
                "options": None,  # a text input unless the field has choices
                "shown_name": self.add_initial_prefix(bound.name),
                "shown": self._shown(bound.name),
            }
            if isinstance(field, forms.ChoiceField):
                control["options"] = options_html(field, bound.value())
            else:
                control["value"] = bound.value() or ""
                control["maxlength"] = getattr(field, "max_length", None)
            controls.append(control)
        return controls

    def tag_names(self) -> list[str]:
        return [name for name in self.cleaned_data.get("tags", "").split(",") if name.strip()]

    def _shown(self, name: str) -> str:
        """The value the user's page showed: posted back with the form, else the ticket's current one."""
        posted = self.data.get(self.add_initial_prefix(name)) if self.is_bound else None
        if posted is not None:
            return str(posted)
        value = self.initial.get(name)
        return "" if value is None else str(value)

    def changes(self) -> tuple[list[str], list[str]]:
        """Of a valid form: the fields its user changed from what their page showed, and those of them
        that someone else changed in the meantime (``initial`` holds the ticket's current values).

        Only the first list may be applied; a field nobody touched on this page keeps whatever another
        operator set meanwhile. A page that did not post what it showed counts as showing the current
        values."""
        changed, conflicts = [], []
        for name in self.fields:
            current = _comparable(name, self.initial.get(name))
            wanted = _comparable(name, self.cleaned_data.get(name))
            shown = _comparable(name, self._shown(name))
            if wanted in (shown, current):
                continue
            changed.append(name)
            if shown != current:
                conflicts.append(name)
        return changed, conflicts


def _comparable(name: str, value: Any) -> Any:
    """A property value as it matters for comparison: tags as a set of normalised names."""
    if name == "tags":
        return {" ".join(part.split()).lower() for part in str(value or "").split(",") if part.strip()}
    return "" if value is None else str(value)


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Internal note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=limits.NOTE,
        help_text=_("Only staff see notes; the customer never does."),
    )


class MergeForm(forms.Form):
    target = forms.IntegerField(
        label=_("Merge into ticket number"),
        min_value=1,
        max_value=2**63 - 1,  # the largest ticket id the database can hold
        help_text=_("This ticket's messages move there and this ticket is closed."),
    )


class ProfileForm(forms.ModelForm[OperatorProfile]):
    class Meta:
        model = OperatorProfile
        fields = ["language"]


class ApiTokenForm(forms.ModelForm[ApiToken]):
    class Meta:
        model = ApiToken
        fields = ["name"]
        widgets = {"name": forms.TextInput(attrs={"placeholder": _("e.g. ERP integration")})}
