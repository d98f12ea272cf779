"""kubelint.lib.quantity: Kubernetes resource quantities, as apimachinery's ParseQuantity
reads them."""

from __future__ import annotations

from fractions import Fraction

import pytest

from kubelint.lib.quantity import QuantityError, format_quantity, parse_quantity

Ki, Mi, Gi, Ti, Pi, Ei = (2**p for p in (10, 20, 30, 40, 50, 60))
NANO = Fraction(1, 10**9)
MAX_INT64 = 2**63 - 1

VALID: list[tuple[object, Fraction | int]] = [
    # zero in every form
    ("0", 0),
    ("0n", 0),
    ("0m", 0),
    ("0Ki", 0),
    ("0Gi", 0),
    ("0k", 0),
    ("0T", 0),
    ("-0", 0),
    ("+0.0", 0),
    ("0e3", 0),
    # plain numbers
    ("1", 1),
    ("9", 9),
    ("128974848", 128974848),
    ("+1", 1),
    ("-1", -1),
    ("007", 7),
    # fractions and the forms of a number
    ("0.5", Fraction(1, 2)),
    (".5", Fraction(1, 2)),
    ("5.", 5),
    ("1.", 1),
    (".001", Fraction(1, 1000)),
    ("9.01", Fraction(901, 100)),
    ("0.00500", Fraction(5, 1000)),
    # decimal SI suffixes
    ("5n", 5 * NANO),
    ("4u", Fraction(4, 10**6)),
    ("500m", Fraction(1, 2)),
    ("-500m", Fraction(-1, 2)),
    ("3m", Fraction(3, 1000)),
    ("8k", 8000),
    ("50k", 50000),
    ("7M", 7 * 10**6),
    ("1G", 10**9),
    ("6G", 6 * 10**9),
    ("5T", 5 * 10**12),
    ("2P", 2 * 10**15),
    ("1E", 10**18),
    ("1.G", 10**9),
    ("100.035k", 100035),
    ("10.035M", 10035000),
    ("0.0005k", Fraction(1, 2)),
    (".0001k", Fraction(1, 10)),
    ("1.01E", 101 * 10**16),
    ("12E", 12 * 10**18),  # decimal quantities are not capped
    # binary SI suffixes
    ("1Ki", Ki),
    ("8Ki", 8 * Ki),
    ("7Mi", 7 * Mi),
    ("1Gi", Gi),
    ("6Gi", 6 * Gi),
    ("5Ti", 5 * Ti),
    ("4Pi", 4 * Pi),
    ("3Ei", 3 * Ei),
    ("0.5Gi", Gi // 2),
    ("0.5Mi", Mi // 2),
    ("-1.5Ki", -1536),
    ("100.035Ki", Fraction(10243584, 100)),
    ("0.05Gi", Fraction(536870912, 10)),
    ("0.025Ti", Fraction(274877906944, 10)),
    # decimal exponents
    ("1e3", 1000),
    ("1E3", 1000),
    ("1e+3", 1000),
    ("1E-3", Fraction(1, 1000)),
    ("1e-3", Fraction(1, 1000)),
    ("12e6", 12 * 10**6),
    ("1E6", 10**6),
    ("1e9", 10**9),
    ("1E18", 10**18),
    ("0.5e0", Fraction(1, 2)),
    ("0.5e-2", Fraction(5, 1000)),
    ("1.2e3", 1200),
    ("1.3E+6", 1300000),
    ("1.40e9", 14 * 10**8),
    ("1.7E18", 17 * 10**17),
    ("+.5e+2", 50),
    ("1e03", 1000),
    ("1e100", 10**100),  # exponent quantities are not capped either
    # rounding up to a whole nano, as apimachinery does (away from zero)
    ("3.001n", 4 * NANO),
    ("1.1E-9", 2 * NANO),
    ("0.0000000001", NANO),
    ("0.0000000005", NANO),
    ("0.00000000050", NANO),
    ("0.5e-9", NANO),
    ("0.9n", NANO),
    ("0.1n", NANO),
    ("-0.1n", -NANO),
    ("0.00000012345", 124 * NANO),
    ("0.00000012354", 124 * NANO),
    ("0.000000000001Ki", 2 * NANO),
    ("1e-30", NANO),
    ("1e-2147483648", NANO),
    # binary quantities are capped at the largest int64
    ("9Ei", MAX_INT64),
    ("8Ei", MAX_INT64),
    ("7.99999Ei", Fraction(799999 * Ei, 100000)),
    ("9223372036854775807Ki", MAX_INT64),
    ("-9Ei", -MAX_INT64),
    # YAML numbers
    (0, 0),
    (1, 1),
    (-2, -2),
    (128974848, 128974848),
    (2**70, 2**70),
    (0.5, Fraction(1, 2)),
    (1.5, Fraction(3, 2)),
    (0.1, Fraction(1, 10)),
    (-0.25, Fraction(-1, 4)),
    (1e16, 10**16),
    (1e-7, Fraction(1, 10**7)),
    (1e-12, NANO),
]


@pytest.mark.parametrize(("value", "expected"), VALID, ids=[repr(v) for v, _ in VALID])
def test_parse_valid(value: object, expected: Fraction | int) -> None:
    result = parse_quantity(value)
    assert isinstance(result, Fraction)
    assert result == expected


INVALID: list[object] = [
    "",
    " ",
    "\t",
    " 1",
    "1 ",
    "1 Gi",
    "1\n",
    "1\u00a0Gi",
    "1.2.3",
    "1.1.M",
    "1..2",
    "Gi",
    "k",
    "m",
    ".",
    "-",
    "+",
    "-.",
    "e3",
    "1gi",
    "1GI",
    "1kb",
    "1KB",
    "1Kb",
    "1GB",
    "1GiB",
    "1K",
    "1g",
    "1mi",
    "0.1mi",
    "0.1am",
    "1i",
    ".5i",
    "-3.01i",
    "1e3Gi",
    "1e3k",
    "1e",
    "1E+",
    "-3.01e-",
    "1e1.5",
    "1ee3",
    "1Ki5",
    "1k5",
    "1+1.0M",
    "+-1",
    "--1",
    "aoeu",
    "Non-Numeric",
    "1,5",
    "1_000",
    "0x10",
    "١",  # a non-ASCII digit
    "1e2147483648",  # exponent beyond int32 (Go would wrap it)
    "1e99999999999999999999",
    "1e5000",  # absurdly large
    True,
    False,
    None,
    [],
    {},
    ["1"],
    float("nan"),
    float("inf"),
    float("-inf"),
]


@pytest.mark.parametrize("value", INVALID, ids=[repr(v) for v in INVALID])
def test_parse_invalid(value: object) -> None:
    with pytest.raises(QuantityError) as caught:
        parse_quantity(value)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value).startswith("invalid quantity ")
    assert caught.value.value is value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1gi", 'invalid quantity "1gi": unknown suffix "gi"'),
        ("", 'invalid quantity "": empty string'),
        ("1 Gi", 'invalid quantity "1 Gi": contains whitespace'),
        ("Gi", 'invalid quantity "Gi": no number'),
        ("1.2.3", 'invalid quantity "1.2.3": not a number'),
        ("1e3Gi", 'invalid quantity "1e3Gi": an exponent (e3) cannot be combined with a suffix'),
        ("1x", 'invalid quantity "1x": unknown suffix "x": expected one of Ki Mi Gi'),
        (True, "invalid quantity true: a boolean is not a quantity"),
        (None, "invalid quantity null"),
        ({}, "invalid quantity <mapping>: expected a string or a number, not a mapping"),
    ],
)
def test_error_messages(value: object, message: str) -> None:
    with pytest.raises(QuantityError) as caught:
        parse_quantity(value)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("value", "hints"),
    [
        ("1gi", ['"Gi"']),
        ("1GI", ['"Gi"']),
        ("1K", ['"k"', '"Ki"']),
        ("1KB", ['"k"', '"Ki"']),
        ("1GB", ['"G"', '"Gi"']),
        ("1MiB", ['"Mi"']),
        ("1g", ['"G"', '"Gi"']),
    ],
)
def test_suffix_suggestions(value: str, hints: list[str]) -> None:
    with pytest.raises(QuantityError) as caught:
        parse_quantity(value)
    message = str(caught.value)
    assert "did you mean " + " or ".join(hints) + "?" in message
    assert "case-sensitive" in message


def test_reason_attribute() -> None:
    with pytest.raises(QuantityError) as caught:
        parse_quantity("1 Gi")
    assert caught.value.reason == "contains whitespace"


@pytest.mark.parametrize(
    ("smaller", "larger"),
    [
        ("500m", "1"),
        ("0.5", "501m"),
        ("1G", "1Gi"),
        ("1000Mi", "1Gi"),
        ("1e3", "1001"),
        ("999m", "1e0"),
        ("100Mi", "0.1Gi"),
    ],
)
def test_ordering(smaller: str, larger: str) -> None:
    assert parse_quantity(smaller) < parse_quantity(larger)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("1Gi", "1024Mi"),
        ("0.5", "500m"),
        ("1e3", "1k"),
        ("1G", "1000M"),
        ("1", "1000m"),
        ("128974848", "123Mi"),
    ],
)
def test_equal_spellings(a: str, b: str) -> None:
    assert parse_quantity(a) == parse_quantity(b)


FORMATS: list[tuple[Fraction | int, str]] = [
    (0, "0"),
    (Fraction(0), "0"),
    (1, "1"),
    (2, "2"),
    (1000, "1000"),
    (10**9, "1000000000"),
    (1536, "1536"),
    (1024, "1Ki"),
    (Gi, "1Gi"),
    (128974848, "123Mi"),
    (3 * Ei, "3Ei"),
    (-Gi, "-1Gi"),
    (12 * 10**18, "12000000000000000000"),
    (Fraction(1, 2), "500m"),
    (Fraction(3, 2), "1500m"),
    (Fraction(-1, 4), "-250m"),
    (Fraction(1, 10**6), "1u"),
    (Fraction(1234, 10**6), "1234u"),
    (NANO, "1n"),
    (Fraction(1, 10**12), "0.000000000001"),
    (Fraction(3, 2 * 10**10), "0.00000000015"),
    (Fraction(1, 3), "1/3"),
]


@pytest.mark.parametrize(("value", "text"), FORMATS, ids=[t for _, t in FORMATS])
def test_format(value: Fraction | int, text: str) -> None:
    assert format_quantity(value) == text


@pytest.mark.parametrize(
    "text", ["500m", "1Gi", "0.5Gi", "1G", "1e3", "128974848", "3.001n", "-1.5Ki", "12E", "9Ei"]
)
def test_format_round_trips(text: str) -> None:
    value = parse_quantity(text)
    assert parse_quantity(format_quantity(value)) == value
