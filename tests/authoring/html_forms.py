"""The forms of a rendered page, read from its HTML as a browser would post them."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

NOT_POSTED = {"submit", "button", "reset", "image", "file"}


@dataclass
class Form:
    action: str
    method: str
    controls: list[dict[str, str]] = field(default_factory=list)

    @property
    def field_count(self) -> int:
        """Every named control of the form: an upper bound of what it posts."""
        return len(self.controls)

    def data(self) -> list[tuple[str, str]]:
        """What posting the form unchanged sends (without pressing a named button)."""
        posted = []
        for control in self.controls:
            kind = control.get("type", "")
            if control["tag"] == "input" and kind in NOT_POSTED or control["tag"] == "button":
                continue
            if kind in ("checkbox", "radio") and "checked" not in control:
                continue
            if control["tag"] == "select":
                for value in control["selected"]:
                    posted.append((control["name"], value))
                continue
            posted.append((control["name"], control.get("value", "on" if kind in ("checkbox", "radio") else "")))
        return posted


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.outside = Form("", "")
        self._select: dict | None = None
        self._option: str | None = None
        self._first_option: str | None = None
        self._textarea: dict | None = None

    @property
    def current(self) -> Form:
        return self.forms[-1] if self.forms and not getattr(self, "_closed", True) else self.outside

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value if value is not None else "" for name, value in attrs}
        if tag == "form":
            self.forms.append(Form(attributes.get("action", ""), attributes.get("method", "get").lower()))
            self._closed = False
        elif tag in ("input", "button", "textarea", "select") and attributes.get("name"):
            control = {"tag": tag, **attributes}
            if tag == "select":
                control["selected"] = []
                self._select, self._first_option = control, None
            if tag == "textarea":
                control["value"] = ""
                self._textarea = control
            self.current.controls.append(control)
        elif tag == "option" and self._select is not None:
            value = attributes.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in attributes:
                self._select["selected"].append(value)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea["value"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._closed = True
        elif tag == "select" and self._select is not None:
            if not self._select["selected"] and "multiple" not in self._select and self._first_option is not None:
                self._select["selected"].append(self._first_option)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            value = self._textarea["value"]
            # The HTML parser keeps the newline browsers drop after <textarea>.
            self._textarea["value"] = value[1:] if value.startswith("\n") else value
            self._textarea = None


def forms_of(html: str) -> list[Form]:
    parser = _Parser()
    parser.feed(html)
    return parser.forms


def named_controls(html: str) -> int:
    parser = _Parser()
    parser.feed(html)
    return sum(form.field_count for form in parser.forms) + parser.outside.field_count
