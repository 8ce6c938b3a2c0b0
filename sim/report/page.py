"""The page around the sections: inline CSS for screens, phones and A4 print."""

from __future__ import annotations

from html import escape

CSS = """
:root { color-scheme: light; }
body { font-family: Georgia, "Times New Roman", serif; color: #111; background: #fff;
  margin: 0 auto; padding: 1rem; max-width: 60rem; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.3rem; border-bottom: 1px solid #999; padding-bottom: 0.2rem;
  margin-top: 2rem; }
h3 { font-size: 1.05rem; margin-bottom: 0.3rem; }
nav ol { padding-left: 1.2rem; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; max-width: 100%; }
table { border-collapse: collapse; font-size: 0.85rem; font-family: Arial, sans-serif; }
th, td { border: 1px solid #bbb; padding: 0.25rem 0.45rem; text-align: left;
  vertical-align: top; }
thead th { background: #eee; }
table.decision td, table.headline td, table.councils td, table.groups td {
  white-space: nowrap; }
figure { margin: 1.5rem 0; }
img { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 0.85rem; color: #333; }
code { font-family: "Courier New", monospace; font-size: 0.85rem; word-break: break-all; }
.repro { border: 2px solid #555; padding: 0.5rem; }
.repro th { white-space: nowrap; background: #f4f4f4; }
.summary p { margin: 0.5rem 0; }
article.scenario { border-left: 3px solid #999; padding-left: 0.7rem; margin: 1rem 0; }
@media (max-width: 40rem) { body { padding: 0.5rem; font-size: 0.95rem; } }
@page { size: A4; margin: 15mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; background: #fff; color: #000; }
  nav { display: none; }
  section { break-before: page; page-break-before: always; }
  section#summary { break-before: auto; page-break-before: auto; }
  .scroll { overflow: visible; }
  table { font-size: 7pt; }
  figure, tr, article.scenario { break-inside: avoid; page-break-inside: avoid; }
  thead th, .repro th { background: #fff; }
}
"""


def page(title: str, subtitle: str, sections: list[tuple[str, str, str]]) -> str:
    """A whole HTML document: ``sections`` are (anchor, title, HTML body)."""
    contents = "".join(f'<li><a href="#{escape(a)}">{escape(t)}</a></li>'
                       for a, t, _ in sections)
    body = "".join(f'<section id="{escape(a)}"><h2>{escape(t)}</h2>\n{html}</section>\n'
                   for a, t, html in sections)
    return (f'<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{CSS}</style></head>\n<body>"
            f"<header><h1>{escape(title)}</h1><p>{escape(subtitle)}</p></header>\n"
            f"<nav><ol>{contents}</ol></nav>\n{body}</body></html>\n")
