"""SQLFlow's protobuf-text lines for query results (golang/protobuf CompactText of proto.Response).

A head line `head:<column_names:"a" … > ` and per row `row:<data:<type_url:"…" value:"…" > … > `,
each value an `Any` holding a serialized google.protobuf wrapper, escaped the way Go's text
marshaler escapes bytes. Written by hand: the format is tiny and fixed, and a protobuf
dependency would only be used to produce these bytes.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import struct
from typing import Any

_PREFIX = "type.googleapis.com/google.protobuf."
NULL_TYPE = "type.googleapis.com/proto.Row.Null"


def go_text_escape(data: bytes) -> str:
    """Go's text-format escaping: \\n \\r \\t \\" \\\\ , printable ASCII as is, others as \\NNN octal."""
    out = []
    for b in data:
        if b == 0x0A:
            out.append("\\n")
        elif b == 0x0D:
            out.append("\\r")
        elif b == 0x09:
            out.append("\\t")
        elif b == 0x22:
            out.append('\\"')
        elif b == 0x5C:
            out.append("\\\\")
        elif 0x20 <= b <= 0x7E:
            out.append(chr(b))
        else:
            out.append(f"\\{b:03o}")
    return "".join(out)


def _varint(n: int) -> bytes:
    if n < 0:
        n &= (1 << 64) - 1  # protobuf encodes negative int32/int64 as 10-byte two's complement
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field_varint(n: int) -> bytes:
    return b"" if n == 0 else b"\x08" + _varint(n)


def _field_bytes(data: bytes) -> bytes:
    return b"" if not data else b"\x0a" + _varint(len(data)) + data


def wrapper(kind: str, value: Any) -> tuple[str, bytes]:
    """(type name, serialized message) of the wrapper `kind` holding `value`; zero values are empty."""
    if kind in ("Int32Value", "Int64Value", "UInt32Value", "UInt64Value"):
        return kind, _field_varint(int(value))
    if kind == "BoolValue":
        return kind, _field_varint(1 if value else 0)
    if kind == "DoubleValue":
        v = float(value)
        return kind, b"" if v == 0 and math.copysign(1, v) > 0 else b"\x09" + struct.pack("<d", v)
    if kind == "StringValue":
        return kind, _field_bytes(str(value).encode("utf-8"))
    if kind == "BytesValue":
        return kind, _field_bytes(bytes(value))
    if kind == "Timestamp":
        ts = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
        epoch = ts.timestamp()
        seconds = math.floor(epoch)
        nanos = ts.microsecond * 1000
        return kind, _field_varint(seconds) + (b"" if nanos == 0 else b"\x10" + _varint(nanos))
    raise ValueError(f"unknown wrapper {kind}")


def kind_for_sql_type(type_name: str) -> str | None:
    """The wrapper SQLFlow used for a column's SQL type (the notes' type table); None: go by the value."""
    t = type_name.upper().split("(")[0].strip()
    t = t.replace(" UNSIGNED", "")
    if t in ("CHAR", "VARCHAR", "TEXT", "STRING", "TINYTEXT", "MEDIUMTEXT", "LONGTEXT", "NVARCHAR", "NCHAR", "ENUM", "SET"):
        return "StringValue"
    if t in ("INT", "TINYINT", "INTEGER", "SMALLINT", "MEDIUMINT"):
        return "Int32Value"
    if t in ("BIGINT", "DECIMAL", "NUMERIC"):
        return "Int64Value"
    if t in ("FLOAT", "DOUBLE", "REAL", "DOUBLE PRECISION"):
        return "DoubleValue"
    return None


def kind_for_value(value: Any) -> str:
    """The driver-ScanType rule for other types, decided from the Python value."""
    if isinstance(value, bool):
        return "BoolValue"
    if isinstance(value, int):
        return "Int64Value"
    if isinstance(value, float):
        return "DoubleValue"
    if isinstance(value, decimal.Decimal):
        return "Int64Value" if value == value.to_integral_value() else "DoubleValue"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "BytesValue"
    if isinstance(value, dt.datetime):
        return "Timestamp"
    return "StringValue"


def _coerce(kind: str, value: Any) -> Any:
    if isinstance(value, (dt.date, dt.time)) and kind != "Timestamp" and not isinstance(value, dt.datetime):
        return value.isoformat()
    if kind == "DoubleValue" and isinstance(value, decimal.Decimal):
        return float(value)
    if kind in ("Int32Value", "Int64Value") and isinstance(value, (float, decimal.Decimal)):
        if value != int(value):
            return None  # the row falls back to a double
    if kind == "StringValue" and isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    return value


def encode_value(value: Any, kind: str | None) -> str:
    """One `data:<…> ` item."""
    if value is None:
        return f'data:<type_url:"{NULL_TYPE}" > '
    k = kind or kind_for_value(value)
    v = _coerce(k, value)
    if v is None:  # e.g. a DECIMAL with a fraction: print it as a double instead of failing
        k, v = "DoubleValue", float(value)
    if k == "Timestamp" and not isinstance(v, dt.datetime):
        k = "StringValue"
    name, payload = wrapper(k, v)
    type_url = _PREFIX + name
    if not payload:
        return f'data:<type_url:"{type_url}" > '
    return f'data:<type_url:"{type_url}" value:"{go_text_escape(payload)}" > '


def head_line(columns: list[str]) -> str:
    names = "".join(f'column_names:"{go_text_escape(c.encode("utf-8"))}" ' for c in columns)
    return f"head:<{names}> "


def row_line(values: tuple | list, kinds: list[str | None]) -> str:
    return "row:<" + "".join(encode_value(v, k) for v, k in zip(values, kinds)) + "> "


def message_line(text: str) -> str:
    return f'message:<message:"{go_text_escape(text.encode("utf-8"))}" > '
