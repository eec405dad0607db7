"""Receipt printer: ESC/POS rendering of ``terminal.printing`` layouts."""

from devices.printer.render import (
    UnencodableText,
    decode_text,
    encode_text,
    receipt_bytes,
    render_escpos,
)

__all__ = ["UnencodableText", "decode_text", "encode_text", "receipt_bytes", "render_escpos"]
