"""A report's tables as files: CSV (UTF-8 with a BOM, so Excel reads the Chinese
headers) one table at a time, and a real .xlsx workbook with every table as a sheet.
Amounts are yuan with two decimals, shares percent; headers in the reader's
language. The values are exact: yuan are ``Decimal`` fen / 100, never floats."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from sync.hq.console.reporting.kit import Column, Report, Table
from sync.hq.console.reporting.render import T, cell
from sync.hq.console.web import Missing

BOM = "\ufeff"


def header(c: Column, t: T) -> str:
    unit = {"fen": "report.unit.yuan", "bp": "report.unit.percent"}.get(c.kind)
    return f"{t(c.key)} {t(unit)}" if unit else t(c.key)


def table_of(r: Report, table_id: str) -> Table:
    for tb in r.tables:
        if tb.id == table_id:
            return tb
    raise Missing(table_id)


FORMULA = ("=", "+", "-", "@", "\t", "\r")  # how a spreadsheet starts a formula


def _text(tb: Table, i: int, v: object, c: Column, t: T) -> str:
    literal = i == 0 and tb.literal_first
    shown = "" if v is None else cell(v, c.kind, None if literal else t)
    # a name someone typed (a campaign's) is never run as a formula in Excel
    return "'" + shown if c.kind == "text" and shown.startswith(FORMULA) else shown


def csv_bytes(r: Report, table_id: str, t: T) -> bytes:
    tb = table_of(r, table_id)
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow([header(c, t) for c in tb.columns])
    for row in tb.rows:
        w.writerow(
            [_text(tb, i, v, c, t) for i, (v, c) in enumerate(zip(row, tb.columns, strict=True))]
        )
    return (BOM + out.getvalue()).encode("utf-8")


def _value(tb: Table, i: int, v: object, c: Column, t: T) -> object:
    if v is None:
        return None
    match c.kind:
        case "fen":
            return Decimal(int(v)) / 100  # type: ignore[call-overload]
        case "bp":
            return Decimal(int(v)) / 10000  # type: ignore[call-overload]
        case "int":
            return int(v)  # type: ignore[call-overload]
        case "date":
            return v if isinstance(v, date) else str(v)
        case _:
            return _text(tb, i, v, c, t)


FORMATS = {"fen": "#,##0.00", "bp": "0.00%", "date": "yyyy-mm-dd", "int": "0"}


def xlsx_bytes(r: Report, t: T) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for tb in r.tables:
        ws = wb.create_sheet(tb.id[:31])  # Excel's limit on a sheet's name
        ws.append([header(c, t) for c in tb.columns])
        for row in tb.rows:
            ws.append(
                [
                    _value(tb, i, v, c, t)
                    for i, (v, c) in enumerate(zip(row, tb.columns, strict=True))
                ]
            )
        for j, c in enumerate(tb.columns, 1):
            letter = get_column_letter(j)
            ws.column_dimensions[letter].width = max(10, len(header(c, t)) * 2)
            if c.kind in FORMATS:
                for (x,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    x.number_format = FORMATS[c.kind]
        ws.freeze_panes = "A2"
    if not r.tables:
        wb.create_sheet("-")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
