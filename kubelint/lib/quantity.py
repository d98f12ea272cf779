"""Kubernetes resource quantities (``500m``, ``1Gi``, ``1e3``) as exact fractions.

This module owns the parsing of quantity strings the way ``k8s.io/apimachinery``'s
``resource.ParseQuantity`` reads them, and a small formatter for messages. It is pure: no I/O,
no knowledge of which field a quantity came from.

Grammar (apimachinery ``pkg/api/resource/quantity.go``)::

    <quantity>        ::= <signedNumber><suffix>
    <signedNumber>    ::= [+-] <number>
    <number>          ::= <digits> | <digits>. | <digits>.<digits> | .<digits>
    <suffix>          ::= <binarySI> | <decimalSI> | <decimalExponent>
    <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei
    <decimalSI>       ::= n | u | m | "" | k | M | G | T | P | E
    <decimalExponent> ::= e <signedDigits> | E <signedDigits>

The value is what the API server stores: exact, with non-zero magnitudes rounded *up* to a
whole nano (``0.1n`` is ``1n``; ``3.001n`` is ``4n``) and binary-suffixed magnitudes capped at
2^63-1 (``9Ei``), exactly as apimachinery does.

Deliberate differences from the Go scanner, which is more permissive than its own grammar:

* a number needs at least one digit. Go reads ``"Gi"``, ``"k"``, ``"."`` and ``"-"`` as zero;
  they are reported here, since they are always typos (``memory: Gi``).
* surrounding whitespace is rejected like ``ParseQuantity`` does. (The API server's JSON decoder
  trims it before parsing; callers that want that leniency can strip first.)
* an exponent outside the int32 range is reported as out of range (Go silently wraps it to 32
  bits), and so is a number of more than 4000 digits (Go accepts ``1e100000``; no real quantity
  is that large, and it keeps hostile input from exhausting memory).
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

from kubelint.messages import show_value

__all__ = [
    "BINARY_SUFFIXES",
    "DECIMAL_SUFFIXES",
    "QuantityError",
    "format_quantity",
    "parse_quantity",
]

#: binary suffix -> power of two
BINARY_SUFFIXES: dict[str, int] = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
#: decimal suffix -> power of ten
DECIMAL_SUFFIXES: dict[str, int] = {
    "n": -9,
    "u": -6,
    "m": -3,
    "": 0,
    "k": 3,
    "M": 6,
    "G": 9,
    "T": 12,
    "P": 15,
    "E": 18,
}

_MAX_INT64 = 2**63 - 1
_NANO = 10**9
# Decimal digits a parsed magnitude may have before it is reported as out of range. Far beyond
# any real quantity, and below CPython's int/str conversion limit (4300 digits).
_MAX_DIGITS = 4000

# Sign, integer digits, optional fraction; the rest must be one suffix (checked separately so
# that the error can say what is wrong with it).
_SPLIT_RE = re.compile(
    r"(?P<sign>[+-]?)(?P<int>[0-9]*)(?:\.(?P<frac>[0-9]*))?(?P<suffix>.*)", re.ASCII | re.DOTALL
)
_EXPONENT_RE = re.compile(r"[eE](?P<exp>[-+]?[0-9]+)", re.ASCII)
_EXPONENT_AND_SUFFIX_RE = re.compile(r"[eE][-+]?[0-9]+.+", re.ASCII | re.DOTALL)

_SUFFIX_HELP = "expected one of Ki Mi Gi Ti Pi Ei n u m k M G T P E, or an exponent such as e3"


class QuantityError(ValueError):
    """A value that is not a valid Kubernetes quantity.

    ``str(error)`` reads ``invalid quantity "1gi": <reason>``; ``value`` is the offending input
    and ``reason`` the explanation alone.
    """

    def __init__(self, value: object, reason: str) -> None:
        self.value = value
        self.reason = reason
        super().__init__(f"invalid quantity {_show(value)}: {reason}")


def parse_quantity(value: object) -> Fraction:
    """Parse a quantity (a string, or an int or float from YAML) into its exact value.

    Raises QuantityError for anything the API server would reject, and for booleans, null and
    other non-numeric types.
    """
    text = _as_text(value)
    if text == "":
        raise QuantityError(value, "empty string")
    if any(ch.isspace() for ch in text):
        raise QuantityError(value, "contains whitespace")
    match = _SPLIT_RE.fullmatch(text)
    if match is None:  # cannot happen: every part of the pattern may be empty
        raise QuantityError(value, "not a quantity")
    sign, int_part, frac_part, suffix = match.group("sign", "int", "frac", "suffix")
    frac_part = frac_part or ""
    if not int_part and not frac_part:
        raise QuantityError(value, "no number before the suffix (e.g. 1Gi, 500m, 0.5)")

    digits = (int_part + frac_part).lstrip("0") or "0"
    if len(digits) > _MAX_DIGITS:
        raise QuantityError(value, "too many digits")
    coefficient = int(digits)

    if suffix in BINARY_SUFFIXES:
        magnitude = Fraction(coefficient << BINARY_SUFFIXES[suffix], 10 ** len(frac_part))
        magnitude = min(_round_up_to_nano(magnitude), Fraction(_MAX_INT64))
    else:
        exponent = _decimal_exponent(value, suffix)
        scale = exponent - len(frac_part)  # value = coefficient * 10**scale
        if coefficient == 0:
            magnitude = Fraction(0)
        elif scale + len(digits) <= -9:
            # Below one nano (possibly astronomically so): rounds up to exactly 1n.
            magnitude = Fraction(1, _NANO)
        elif scale + len(digits) > _MAX_DIGITS:
            raise QuantityError(value, "exponent out of range")
        elif scale >= 0:
            magnitude = Fraction(coefficient * 10**scale)
        else:
            magnitude = _round_up_to_nano(Fraction(coefficient, 10**-scale))
    return -magnitude if sign == "-" else magnitude


def format_quantity(q: Fraction | int) -> str:
    """Render a quantity for a message, deterministically.

    Whole multiples of 1024 use the largest binary suffix that divides them exactly when that
    leaves fewer than six digits (``1Gi``, ``123Mi``); other whole numbers are plain (``1000``,
    ``2``, ``1000000000``). Fractions use the first of ``m``, ``u``, ``n`` that makes them whole
    (``500m``, ``1500m``, ``1n``); anything finer is an exact decimal, or ``p/q`` when it has no
    terminating decimal form.
    """
    value = Fraction(q)
    if value < 0:
        return "-" + format_quantity(-value)
    if value == 0:
        return "0"
    if value.denominator == 1:
        whole = value.numerator
        for suffix, power in sorted(BINARY_SUFFIXES.items(), key=lambda item: -item[1]):
            if whole % (1 << power) == 0 and whole >> power < 100_000:
                return f"{whole >> power}{suffix}"
        return str(whole)
    for suffix in ("m", "u", "n"):
        scaled = value * Fraction(10) ** -DECIMAL_SUFFIXES[suffix]
        if scaled.denominator == 1:
            return f"{scaled.numerator}{suffix}"
    return _exact_decimal(value)


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        raise QuantityError(value, "a boolean is not a quantity")
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        number = float(value)
        if not math.isfinite(number):
            raise QuantityError(value, "not a finite number")
        return repr(number)
    if value is None:
        raise QuantityError(value, "null is not a quantity")
    raise QuantityError(value, f"expected a string or a number, not {_type_name(value)}")


def _decimal_exponent(value: object, suffix: str) -> int:
    if suffix in DECIMAL_SUFFIXES:
        return DECIMAL_SUFFIXES[suffix]
    match = _EXPONENT_RE.fullmatch(suffix)
    if match is None:
        raise QuantityError(value, _suffix_problem(suffix))
    exponent = int(match.group("exp"))
    if not -(2**31) <= exponent < 2**31:  # Go keeps the exponent in an int32 (and wraps it)
        raise QuantityError(value, "exponent out of range")
    return exponent


def _suffix_problem(suffix: str) -> str:
    if "." in suffix:
        return "not a number: more than one decimal point"
    if _EXPONENT_AND_SUFFIX_RE.fullmatch(suffix):
        return "an exponent (e3) cannot be combined with a suffix"
    base = suffix[:-1] if len(suffix) > 1 and suffix[-1] in "bB" else suffix  # "1GB", "1KiB"
    hints = [d for d in ("k", "M", "G", "T", "P", "E") if d.lower() == base.lower()]
    hints += [b for b in BINARY_SUFFIXES if b.lower() in (base.lower(), base.lower() + "i")]
    if hints:
        options = " or ".join(_show(h) for h in hints)
        return (
            f"unknown suffix {_show(suffix)} (suffixes are case-sensitive): did you mean {options}?"
        )
    return f"unknown suffix {_show(suffix)}: {_SUFFIX_HELP}"


def _round_up_to_nano(magnitude: Fraction) -> Fraction:
    """Round a non-negative value up to a whole number of nano units, as apimachinery does."""
    nanos = magnitude * _NANO
    if nanos.denominator == 1:
        return magnitude
    return Fraction(math.ceil(nanos), _NANO)


def _exact_decimal(value: Fraction) -> str:
    denominator = value.denominator
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator != 1:
        return f"{value.numerator}/{value.denominator}"
    places = max(twos, fives)
    scaled = str(value.numerator * 10**places // value.denominator).rjust(places + 1, "0")
    return f"{scaled[:-places]}.{scaled[-places:]}"


def _show(value: object) -> str:
    if isinstance(value, str | bool) or value is None:
        return show_value(value)
    if isinstance(value, int | float):
        return repr(value)
    return f"<{_kind(value)}>"


def _type_name(value: object) -> str:
    return f"a {_kind(value)}"


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list | tuple):
        return "list"
    return type(value).__name__
