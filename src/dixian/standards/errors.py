"""The one error type the standards kernel raises for bad input."""


class StandardsError(ValueError):
    """Input a standard cannot accept, with the reason in English and Chinese.

    ``str(error)`` is ``"<English> / <中文>"``. ``candidates`` lists the choices when a name was
    ambiguous or unknown (for a UI to offer), else it is empty.
    """

    def __init__(self, en: str, zh: str | None = None, *, candidates: tuple[str, ...] = ()):
        self.en = en
        self.zh = zh
        self.candidates = tuple(candidates)
        super().__init__(f"{en} / {zh}" if zh else en)
