"""JSON Canonicalization Scheme (RFC 8785), the transformation of ``eddsa-jcs-2022``.

JCS serialises JSON the way ECMAScript's ``JSON.stringify`` does after sorting object members
by their names' UTF-16 code units; numbers use ECMAScript's shortest round-trip form, which
differs from Python's ``repr`` in its exponent notation (``1e+21``, ``1e-7``).
"""

from __future__ import annotations

import json
import math
from typing import Any

from credstack.vc.errors import CanonicalizationError

__all__ = ["canonicalize_jcs", "serialize_number"]


def serialize_number(value: float | int) -> str:
    """ECMAScript Number::toString of an IEEE 754 double (RFC 8785 §3.2.2.3)."""
    if isinstance(value, bool):
        raise CanonicalizationError("booleans are not numbers")
    if isinstance(value, int):
        as_float = float(value) if abs(value) < 2**1024 else math.inf
        if as_float != value:
            raise CanonicalizationError(f"integer {value} cannot be represented exactly (I-JSON)")
        value = as_float
    if math.isnan(value) or math.isinf(value):
        raise CanonicalizationError("NaN and Infinity are not JSON numbers")
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    mantissa, _, exp_text = repr(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    # Position of the decimal point relative to the first significant digit (the "n" of
    # ECMAScript's algorithm: value = 0.digits × 10^n).
    n = (
        len(whole)
        + int(exp_text or 0)
        - (len(whole + fraction) - len((whole + fraction).lstrip("0")))
    )
    digits = digits.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        exponent = n - 1
        exp_part = f"e{'+' if exponent > 0 else '-'}{abs(exponent)}"
        text = (digits if k == 1 else digits[0] + "." + digits[1:]) + exp_part
    return sign + text


def _serialize(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int | float):
        out.append(serialize_number(value))
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _serialize(item, out)
        out.append("]")
    elif isinstance(value, dict):
        out.append("{")
        for i, key in enumerate(sorted(value, key=_utf16_key)):
            if not isinstance(key, str):
                raise CanonicalizationError("object member names must be strings")
            if i:
                out.append(",")
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(":")
            _serialize(value[key], out)
        out.append("}")
    else:
        raise CanonicalizationError(f"{type(value).__name__} is not a JSON value")


def _utf16_key(key: Any) -> bytes:
    if not isinstance(key, str):
        raise CanonicalizationError("object member names must be strings")
    return key.encode("utf-16-be", "surrogatepass")


def canonicalize_jcs(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value.

    Raises ``CanonicalizationError`` for values JSON cannot carry exactly (NaN, huge integers,
    lone surrogates, non-string keys).
    """
    out: list[str] = []
    try:
        _serialize(value, out)
        return "".join(out).encode("utf-8")
    except UnicodeEncodeError:
        raise CanonicalizationError(
            "string contains a lone surrogate (not valid Unicode)"
        ) from None
    except RecursionError:
        raise CanonicalizationError("document is nested too deeply") from None
