"""Printouts to a folder: what a replayed scenario printed, as the exact bytes a printer
would have received (``pos-terminal replay --receipts DIR``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from devices.printer.render import receipt_bytes, render_escpos
from terminal.app.counter import CommittedSale, RechargeResult, ReturnResult
from terminal.printing.layout import Doc, StoreInfo, recharge_slip, return_slip
from terminal.rules.checkout import SaleRecord
from terminal.rules.program import Program


@dataclass
class FolderPrintouts:
    """``replay --receipts DIR``: each printed document as the exact ESC/POS bytes, one
    file each, named by its receipt (or slip) number (``terminal.app.replay.Printouts``)."""

    folder: Path
    program: Program
    store: StoreInfo

    def _write(self, name: str, doc: Doc) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / f"{name}.bin").write_bytes(render_escpos(doc, width=48))

    def sale(self, sale: CommittedSale, now: datetime) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        data = receipt_bytes(sale, self.program, self.store, 48, now=now)
        (self.folder / f"{sale.receipt_no}.bin").write_bytes(data)

    def recharge(self, r: RechargeResult, tender: str, now: datetime) -> None:
        doc = recharge_slip(
            r,
            self.program,
            self.store,
            now,
            48,
            tender=tender,
            ref=r.no or r.ref,
            manager=r.manager,
        )
        self._write(f"recharge-{r.ref}", doc)

    def refund(self, r: ReturnResult, sale: SaleRecord, now: datetime) -> None:
        self._write(r.return_id, return_slip(r, sale, self.program, self.store, 48, now))
