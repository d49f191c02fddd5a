#!/usr/bin/env bash
# Regenerates the format fixtures with real tools. The tests use the
# committed files; this script is only for making them again.
#
#   apt-get install pandoc ghostscript python3-docx python3-openpyxl
#   bash make.sh
set -euo pipefail
py=${PYTHON:-/usr/bin/python3} # Debian's, which sees python3-docx and python3-openpyxl
cd "$(dirname "$0")"
export SOURCE_DATE_EPOCH=1700000000

# Word: pandoc writes headings, a list, a table, a footnote and the title
# and author properties; python-docx adds a header and a footer.
cat > /tmp/kmcp-handbook.md <<'MD'
---
title: Field Handbook
author: Ana Lima
---

# Safety

Always wear the orange helmet on site.[^1]

## Checklist

- Inspect the harness
- Test the radio on channel 7

# Equipment

| Item | Owner | Location |
|------|-------|----------|
| Drill | Ben | Shed B |
| Ladder | Cara | Bay 3 |

[^1]: Helmets are replaced every two years.
MD
pandoc /tmp/kmcp-handbook.md -o handbook.docx
"$py" - <<'PY'
import docx
d = docx.Document("handbook.docx")
s = d.sections[0]
s.header.paragraphs[0].text = "Acme Field Services - internal"
s.footer.paragraphs[0].text = "Revision 4"
d.save("handbook.docx")
PY

# PowerPoint: pandoc makes one slide per level-2 heading, with notes.
cat > /tmp/kmcp-deck.md <<'MD'
---
title: Quarterly Review
author: Ben Ortiz
---

## Revenue

- Revenue grew by 12 percent
- The northern region led

::: notes
Mention the warehouse migration.
:::

## Hiring

- Four engineers joined the platform team
MD
pandoc /tmp/kmcp-deck.md -o deck.pptx

# Excel: two sheets, a date column; and a sheet of a million empty rows.
"$py" - <<'PY'
import datetime, openpyxl, zipfile
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "Inventory"
ws.append(["Part", "Quantity", "Supplier", "Received"])
ws.append(["Valve 2in", 40, "Norte Ltd", datetime.date(2024, 3, 1)])
ws.append(["Gasket", 1200, "Sul SA", datetime.date(2024, 4, 15)])
ws2 = wb.create_sheet("Contacts")
ws2.append(["Name", "Phone"])
ws2.append(["Norte Ltd", "+351 21 000 0000"])
wb.properties.title = "Stock sheet"
wb.properties.creator = "Cara Dias"
wb.properties.created = wb.properties.modified = datetime.datetime(2024, 5, 2, 9, 30)
wb.save("stock.xlsx")

# openpyxl does not write empty rows; copy the workbook and give its first
# sheet a million of them (the zip stays small).
src = zipfile.ZipFile("stock.xlsx")
with zipfile.ZipFile("empty-rows.xlsx", "w", zipfile.ZIP_DEFLATED) as out:
    for item in src.infolist():
        data = src.read(item.filename)
        if item.filename == "xl/worksheets/sheet1.xml":
            rows = "<row/>" * 1000000
            data = data.replace(b"</sheetData>", rows.encode() + b"</sheetData>")
        out.writestr(item, data)
PY

# PDF: ghostscript from PostScript, with an outline, document info and
# three pages; a scan (an image, no text); and an encrypted copy.
cat > /tmp/kmcp-guide.ps <<'PS'
%!PS
[ /Title (Pump Maintenance Guide) /Author (Dara Quinn) /Subject (Pumps) /DOCINFO pdfmark
[ /Title (Installation) /Page 1 /OUT pdfmark
[ /Title (Servicing) /Page 2 /Count 1 /OUT pdfmark
[ /Title (Seals) /Page 3 /OUT pdfmark
/Helvetica-Bold findfont 18 scalefont setfont
72 720 moveto (Installation) show
/Helvetica findfont 11 scalefont setfont
72 690 moveto (Bolt the pump to a level concrete base before connecting pipes.) show
72 676 moveto (Prime the casing with water.) show
showpage
/Helvetica-Bold findfont 18 scalefont setfont
72 720 moveto (Servicing) show
/Helvetica findfont 11 scalefont setfont
72 690 moveto (Grease the bearings every 500 operating hours.) show
showpage
/Helvetica-Bold findfont 18 scalefont setfont
72 720 moveto (Seals) show
/Helvetica findfont 11 scalefont setfont
72 690 moveto (Replace the mechanical seal when the impeller shows scoring.) show
showpage
PS
gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -o guide.pdf /tmp/kmcp-guide.ps
gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -sOwnerPassword=owner -sUserPassword=secret -o encrypted.pdf /tmp/kmcp-guide.ps
cat > /tmp/kmcp-scan.ps <<'PS'
%!PS
72 500 translate 200 200 scale
8 8 8 [8 0 0 8 0 0] {<00ff00ff00ff00ffff00ff00ff00ff00>} image
showpage
PS
gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -o scanned.pdf /tmp/kmcp-scan.ps

# CSV as a spreadsheet exports it.
printf 'City,Country,Population\nPorto,Portugal,231800\nLyon,France,522250\n' > cities.csv

# Broken files, each of which must be skipped with its reason.
mkdir -p broken
head -c 1500 guide.pdf > broken/truncated.pdf
: > broken/empty.pdf
printf 'this is not a zip file\n' > broken/notzip.docx
"$py" - <<'PY'
import zipfile
# A zip bomb: one part that inflates to 300 MB.
with zipfile.ZipFile("broken/bomb.docx", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    z.writestr("[Content_Types].xml", "<Types/>")
    with z.open("word/document.xml", "w", force_zip64=True) as f:
        chunk = b" " * (1 << 20)
        for _ in range(300):
            f.write(chunk)
# A PDF whose page tree loops: the Pages node is its own kid.
objs = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>",
]
out = bytearray(b"%PDF-1.4\n")
offsets = []
for i, o in enumerate(objs, 1):
    offsets.append(len(out))
    out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
xref = len(out)
out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
for off in offsets:
    out += b"%010d 00000 n \n" % off
out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
open("broken/loop.pdf", "wb").write(out)
# A PDF whose cross-reference stream puts object 1 in object stream 2 and
# object 2 in object stream 1: a reader following it naively recurses
# forever.
out = bytearray(b"%PDF-1.5\n")
xref_off = len(out)
rows = b"".join([bytes([0]) + (0).to_bytes(4, "big") + (65535).to_bytes(2, "big"),
                 bytes([2]) + (2).to_bytes(4, "big") + (0).to_bytes(2, "big"),
                 bytes([2]) + (1).to_bytes(4, "big") + (0).to_bytes(2, "big"),
                 bytes([1]) + xref_off.to_bytes(4, "big") + (0).to_bytes(2, "big")])
out += b"3 0 obj\n<< /Type /XRef /Size 4 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % len(rows)
out += rows + b"\nendstream\nendobj\n"
out += b"startxref\n%d\n%%%%EOF\n" % xref_off
open("broken/objstm-loop.pdf", "wb").write(out)

def one_page_pdf(content):
    """A one-page PDF whose page draws the given (deflated) content."""
    import zlib
    data = zlib.compress(content, 9)
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)

# A page whose content inflates to 40 MB of operands with no operator (the
# reader would hold them all), and one nesting arrays 100,000 deep.
open("broken/content-bomb.pdf", "wb").write(one_page_pdf(b"1 " * (20 << 20)))
open("broken/deep-nesting.pdf", "wb").write(one_page_pdf(b"[" * 100000))
# An encrypted (password-protected) Office file is an OLE2 compound file,
# not a zip; this one carries only the signature and a little padding.
open("broken/protected.xlsx", "wb").write(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504))
PY
echo "fixtures written"
