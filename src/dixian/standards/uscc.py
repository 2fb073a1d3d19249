"""Unified social credit code (统一社会信用代码), GB 32100-2015 法人和其他组织统一社会信用代码编码规则.

18 characters from the 31-character set ``0-9ABCDEFGHJKLMNPQRTUWXY`` (no I, O, S, V, Z):
registration authority (1), organisation type (1), administrative division (6), organisation
code (9, GB 11714) and a check character (1). The check character of GB 32100-2015 is
C18 = 31 − MOD(Σ Ci × Wi, 31) for i = 1…17, with character values 0…30 in the order of the set,
weights Wi = MOD(3^(i−1), 31) (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28),
and a value of 31 written as 0. (The worked example reprinted with the formula, e.g.
https://renrendoc.com/p-47802332.html: 91350100M000100Y4? has Σ = 1640, MOD 31 = 28, so the
check character is 3.)

``validate`` checks length, characters and the check character; it does not check that the
authority, type or division codes are assigned ones, nor the GB 11714 check digit inside.
"""

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18


def check_character(first17: str) -> str:
    """The check character for the first 17 characters (which must be valid characters)."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate(code: str) -> dict:
    """GB 32100-2015: ``{"valid": True, "error": None}`` or ``{"valid": False, "error": reason}``.

    Reasons, in English and Chinese: the wrong length (with the length found); an illegal
    character (which one, at which position); a wrong check character (which was expected).
    The code is taken as given: lower-case letters are illegal, surrounding spaces count.
    """
    if not isinstance(code, str):
        return _invalid("the code must be text", "代码必须是文本")
    if len(code) != LENGTH:
        return _invalid(
            f"a unified social credit code has {LENGTH} characters, not {len(code)}",
            f"统一社会信用代码应为 {LENGTH} 位，实为 {len(code)} 位",
        )
    for position, ch in enumerate(code, start=1):
        if ch not in ALPHABET:
            why = ""
            if ch.upper() in ALPHABET:
                why = " (letters must be upper case)"
            elif ch.upper() in "IOSVZ":
                why = " (I, O, S, V and Z are not used)"
            return _invalid(
                f"illegal character {ch!r} at position {position}{why}",
                f"第 {position} 位字符 {ch!r} 不合法（只允许 0-9 及 {ALPHABET[10:]}）",
            )
    expected = check_character(code[:17])
    if code[17] != expected:
        return _invalid(
            f"wrong check character {code[17]!r}: expected {expected!r}",
            f"校验码错误：第 18 位为 {code[17]!r}，应为 {expected!r}",
        )
    return {"valid": True, "error": None}


def _invalid(en: str, zh: str) -> dict:
    return {"valid": False, "error": f"{en} / {zh}"}
