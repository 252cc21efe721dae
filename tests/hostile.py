"""Hostile files, built at test time (nothing binary is committed): what real portals serve
and what an attacker could, each small on disk however much it claims or inflates to.

`hostile_files()` gives them all by file name; the reliability suite runs each through
`parse-file` and through the parse stage. PDFs the tools cannot make broken enough are written
object by object (`raw_pdf`), with a correct cross-reference table, so each file is hostile in
exactly one way.
"""

from __future__ import annotations

import io
import random
import zipfile
import zlib
from collections.abc import Callable

from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from tests.drawing import draw_ruled_grid

FONT = "STSong-Light"
BOMB_INFLATED_BYTES = 2 * 1024**3  # the bomb's content stream inflates to 2 GiB of zeros
ZIP_BOMB_MEMBER_BYTES = 256 * 1024**2  # over archives.MAX_MEMBER_BYTES
MANY_PAGES = 10_000
NESTING_DEPTH = 5_000


def raw_pdf(objects: list[bytes], root: int = 1, trailer: bytes = b"") -> bytes:
    """A PDF of `objects` (object n is objects[n - 1], its body without `n 0 obj`), with a
    correct xref table and trailer."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, root, trailer, xref)
    return bytes(out)


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def _canvas_pdf(draw: Callable[[Canvas], None], **kwargs: object) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    buf = io.BytesIO()
    canvas = Canvas(buf, invariant=1, **kwargs)
    draw(canvas)
    canvas.save()
    return buf.getvalue()


def _budget_page(canvas: Canvas) -> None:
    """One ruled 收支总表 page, as the demo draws them (the encrypted files hide this)."""
    canvas.setFont(FONT, 12)
    canvas.drawString(150, 780, "某某局2024年部门收支总表")
    canvas.setFont(FONT, 9)
    canvas.drawString(450, 760, "单位：万元")
    rows = [("项目", "预算数", "项目", "预算数"),
            ("一般公共预算拨款收入", "1,234.56", "一般公共服务支出", "1,000.00"),
            ("政府性基金预算拨款收入", "0.00", "教育支出", "234.56"),
            ("收入总计", "1,234.56", "支出总计", "1,234.56")]
    draw_ruled_grid(canvas, rows, [60, 200, 280, 420, 500], top=750, row_height=20, baseline=6)
    canvas.showPage()


def budget_pdf(pages: int = 3, compress: bool = True) -> bytes:
    """A small valid budget PDF: the raw material the corrupt and truncated files spoil (and,
    uncompressed, a seed the fuzzer can mutate operator by operator)."""
    def draw(canvas: Canvas) -> None:
        for _ in range(pages):
            _budget_page(canvas)
    return _canvas_pdf(draw, pageCompression=int(compress))


def corrupt_pdf() -> bytes:
    """The header intact, the middle half of the file overwritten with random bytes."""
    data = bytearray(budget_pdf())
    rng = random.Random(6)
    start, stop = len(data) // 4, 3 * len(data) // 4
    data[start:stop] = bytes(rng.randrange(256) for _ in range(stop - start))
    return bytes(data)


def truncated_pdf() -> bytes:
    """A download cut off at 40%: no xref, no trailer, the last object half written."""
    data = budget_pdf()
    return data[:len(data) * 2 // 5]


def encrypted_pdf_user_password() -> bytes:
    """Opens only with the password "secret"."""
    return _canvas_pdf(_budget_page, encrypt=StandardEncryption("secret", "owner-secret"))


def encrypted_pdf_owner_password() -> bytes:
    """Encrypted (RC4/AES, permissions set) with an empty user password: any reader opens it
    without asking, as portals' 'protected' PDFs do. It should parse like any other."""
    return _canvas_pdf(_budget_page, encrypt=StandardEncryption(
        "", "owner-secret", canPrint=1, canModify=0, canCopy=0, canAnnotate=0))


def zero_byte_file() -> bytes:
    return b""


def html_as_pdf() -> bytes:
    """A challenge page served with status 200 under the attachment's .pdf name."""
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>安全验证</title>"
            "<script>var _0x=document.cookie;</script></head>\n<body><p>请开启JavaScript并刷新"
            "该页</p></body></html>\n").encode()


def _zeros_deflated(size: int) -> bytes:
    """zlib data that inflates to `size` zero bytes (a whole number of MiB), in a thousandth
    of the space and without deflating gigabytes: one MiB of zeros deflated and flushed to a
    byte boundary with the window reset (Z_FULL_FLUSH) is the same block every time, so the
    block is repeated and the stream closed with the Adler-32 of that many zeros."""
    chunk = bytes(1024**2)
    packer = zlib.compressobj(9)
    head = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    assert head[2:] == block, "zlib did not repeat the block"
    final_block = b"\x03\x00"  # an empty last block
    adler = ((size % 65521) << 16) | 1  # Adler-32 of zeros: a stays 1, b counts the bytes
    return head + block * (size // len(chunk) - 1) + final_block + adler.to_bytes(4, "big")


def _one_page_pdf(content: bytes, content_extra: bytes = b"", resources: bytes = b"") -> bytes:
    return raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> %s>> >>" % resources,
        stream(content, content_extra),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ])


def pdf_decompression_bomb() -> bytes:
    """A one-page PDF of about 2 MiB whose content stream inflates to 2 GiB of zeros."""
    return _one_page_pdf(_zeros_deflated(BOMB_INFLATED_BYTES), b"/Filter /FlateDecode ")


def many_pages_pdf(pages: int = MANY_PAGES) -> bytes:
    """`pages` pages sharing one tiny content stream (a line of text each), in a balanced
    page tree of 100 leaves per node: about a megabyte."""
    per_node = 100
    nodes = (pages + per_node - 1) // per_node
    first_node, content, font = 3, 3 + nodes, 4 + nodes
    first_page = 5 + nodes
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
                   b" ".join(b"%d 0 R" % (first_node + n) for n in range(nodes)), pages)]
    for n in range(nodes):
        kids = range(first_page + n * per_node, first_page + min(pages, (n + 1) * per_node))
        objects.append(b"<< /Type /Pages /Parent 2 0 R /Kids [%s] /Count %d >>" % (
            b" ".join(b"%d 0 R" % k for k in kids), len(kids)))
    objects.append(stream(b"BT /F1 12 Tf 72 770 Td (A page of a very long file.) Tj ET"))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for p in range(pages):
        objects.append(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] "
                       b"/Contents %d 0 R /Resources << /Font << /F1 %d 0 R >> >> >>" % (
                           first_node + p // per_node, content, font))
    return raw_pdf(objects)


def deeply_nested_pdf(depth: int = NESTING_DEPTH) -> bytes:
    """Arrays and dictionaries nested `depth` deep in the page's resources and the document
    information, around an otherwise readable page of text."""
    arrays = b"[" * depth + b"1" + b"]" * depth
    dicts = b"<< /A " * depth + b"1" + b" >>" * depth
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /Nested %s >>" % arrays,
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> /Deep %s >> >>" % dicts,
        stream(b"BT /F1 12 Tf 72 770 Td (Some text on a page.) Tj ET"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Title (nested) /Deep %s >>" % arrays,
    ]
    return raw_pdf(objects, trailer=b"/Info 6 0 R ")


def font_without_tounicode_pdf() -> bytes:
    """A ruled table of text in a Type0 font with Identity-H encoding and no ToUnicode map:
    readers see glyph ids (pdfminer prints `(cid:12)`), never the characters."""
    content = [b"BT /F1 12 Tf 150 780 Td <0021002200230024002500260027> Tj ET"]
    xs, top, height = [60, 200, 280, 420, 500], 750, 20
    for r in range(4):
        for c in range(4):
            glyphs = b"".join(b"%04X" % (0x30 + r * 8 + c + k) for k in range(5))
            content.append(b"BT /F1 9 Tf %d %d Td <%s> Tj ET" % (
                xs[c] + 3, top - (r + 1) * height + 6, glyphs))
    for r in range(5):
        content.append(b"%d %d m %d %d l S" % (xs[0], top - r * height, xs[-1], top - r * height))
    for x in xs:
        content.append(b"%d %d m %d %d l S" % (x, top, x, top - 4 * height))
    return raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        stream(b"\n".join(content)),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /NoUnicodeFont /Encoding /Identity-H "
        b"/DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /NoUnicodeFont "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
        b"/FontDescriptor 7 0 R /DW 1000 >>",
        b"<< /Type /FontDescriptor /FontName /NoUnicodeFont /Flags 4 "
        b"/FontBBox [0 -200 1000 900] /ItalicAngle 0 /Ascent 900 /Descent -200 "
        b"/CapHeight 700 /StemV 80 >>",
    ])


def xlsx_pictures_only() -> bytes:
    """A workbook whose one sheet holds a picture (a scanned table pasted in), no values."""
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image as SheetImage
    from PIL import Image

    picture = io.BytesIO()
    Image.new("L", (400, 200), color=255).save(picture, format="PNG")
    picture.seek(0)
    workbook = Workbook()
    workbook.active.title = "收支总表"
    workbook.active.add_image(SheetImage(picture), "A1")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_bomb() -> bytes:
    """A valid workbook of one cell whose sheet XML is padded with 256 MiB of blanks (legal
    between elements): about 250 KiB on disk."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active["A1"] = "收支总表"
    plain = io.BytesIO()
    workbook.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for info in source.infolist():
            data = source.read(info)
            if info.filename != "xl/worksheets/sheet1.xml":
                package.writestr(info, data)
                continue
            head, tail = data.rsplit(b"</worksheet>", 1)
            with package.open(info.filename, "w", force_zip64=True) as sheet:
                sheet.write(head)
                for _ in range(ZIP_BOMB_MEMBER_BYTES // 2**20):
                    sheet.write(b" " * 2**20)
                sheet.write(b"</worksheet>" + tail)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A zip of about 256 KiB holding a "budget.pdf" that inflates to 256 MiB of zeros."""
    out = io.BytesIO()
    chunk = bytes(1024**2)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("budget.pdf", "w", force_zip64=True) as member:
            for _ in range(ZIP_BOMB_MEMBER_BYTES // len(chunk)):
                member.write(chunk)
    return out.getvalue()


def zip_bomb_lying() -> bytes:
    """The same member, its headers claiming 1 KiB: the sizes a reader must not trust."""
    out = io.BytesIO()
    chunk = bytes(1024**2)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("budget.pdf", "w") as member:
            for _ in range(ZIP_BOMB_MEMBER_BYTES // len(chunk)):
                member.write(chunk)
    data = bytearray(out.getvalue())
    claimed = (1024).to_bytes(4, "little")
    data[22:26] = claimed  # the local header's uncompressed size
    central = data.rindex(b"PK\x01\x02")
    data[central + 24:central + 28] = claimed  # the central directory's
    return bytes(data)


# file name → (builder, why it is here)
HOSTILE: dict[str, tuple[Callable[[], bytes], str]] = {
    "corrupt.pdf": (corrupt_pdf, "random bytes over the middle half"),
    "truncated.pdf": (truncated_pdf, "cut off at 40%"),
    "encrypted-user-password.pdf": (encrypted_pdf_user_password, "needs a password"),
    "encrypted-owner-only.pdf": (encrypted_pdf_owner_password, "opens without a password"),
    "zero-bytes.pdf": (zero_byte_file, "an empty download"),
    "html-as.pdf": (html_as_pdf, "a challenge page named .pdf"),
    "decompression-bomb.pdf": (pdf_decompression_bomb, "2 GiB content stream"),
    "10000-pages.pdf": (many_pages_pdf, "10,000 pages"),
    "deeply-nested.pdf": (deeply_nested_pdf, "objects nested 5,000 deep"),
    "no-tounicode.pdf": (font_without_tounicode_pdf, "glyph ids, no characters"),
    "pictures-only.xlsx": (xlsx_pictures_only, "a scan pasted into a sheet"),
    "xlsx-bomb.xlsx": (xlsx_bomb, "a sheet inflating to 256 MiB"),
    "zip-bomb.zip": (zip_bomb, "a member inflating to 256 MiB"),
    "zip-bomb-lying.zip": (zip_bomb_lying, "the same, its headers claiming 1 KiB"),
}


def hostile_files() -> dict[str, bytes]:
    """Every hostile file's bytes, by file name."""
    return {name: build() for name, (build, _) in HOSTILE.items()}
