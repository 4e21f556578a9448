"""LazyPattern behaves as the compiled pattern, compiled only once it is used."""

from __future__ import annotations

import re

from miglint.parsers.lazyre import LazyPattern


def test_compiled_on_first_use_only() -> None:
    lazy = LazyPattern(r"(\w+)\s*=\s*(\d+)", re.IGNORECASE)
    assert lazy._compiled is None  # pyright: ignore[reportPrivateUsage]
    assert lazy.pattern == r"(\w+)\s*=\s*(\d+)"
    m = lazy.search("set a = 12")
    assert m is not None and m.groups() == ("a", "12")
    first = lazy.compiled
    assert lazy.compiled is first and first.flags & re.IGNORECASE
    # From then on the compiled pattern's own methods answer, with no call of LazyPattern's.
    assert lazy.match == first.match and lazy.findall == first.findall and lazy.sub == first.sub


def test_methods_match_re() -> None:
    source, text = r"x(\d)", "x1 y x2 x3"
    lazy, real = LazyPattern(source), re.compile(source)
    assert lazy.findall(text) == real.findall(text)
    assert lazy.sub("z", text) == real.sub("z", text) and lazy.sub("z", text, 1) == real.sub("z", text, 1)
    assert LazyPattern(r"\s+").split(text) == re.compile(r"\s+").split(text)
    for method in ("match", "fullmatch", "search"):
        for pos in (0, 3, 5):
            got, want = getattr(lazy, method)(text, pos), getattr(real, method)(text, pos)
            assert (got and got.span()) == (want and want.span())
    assert lazy.fullmatch("x7") is not None and lazy.match("y") is None
