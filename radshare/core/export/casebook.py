"""The offline case book: one `index.html` beside the cases, with thumbnails and the notes.

It opens from the folder in any browser, with no network: styles and the small filter script
are inline, every image, loop and note is linked by a relative path inside the set, and nothing
is fetched from anywhere else (a Content-Security-Policy forbids it). The diagnosis sits behind
a "Show diagnosis" toggle, so the book works for self-testing as well as reference.

Everything shown comes from `CaseEntry`s, whose text was cleaned before it got there; every text
is passed through the free-text de-identifier once more as it is written (cleaning is idempotent:
placeholders and known words pass unchanged), so no path into the book can bypass it.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from radshare import __version__
from radshare.core.deid.text import deidentify_text
from radshare.core.export.manifest import CaseEntry
from radshare.core.fsutil import atomic_write_text

INDEX = "index.html"

_CSS = """
:root { color-scheme: light dark; --bg: #f6f7f9; --card: #fff; --ink: #1d2330; --muted: #5b6475; --accent: #1f6feb; }
@media (prefers-color-scheme: dark) { :root { --bg: #111418; --card: #1b2027; --ink: #e6e9ef; --muted: #9aa4b2; --accent: #58a6ff; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; background: var(--bg); color: var(--ink); }
header { padding: 20px 28px 8px; }
h1 { margin: 0 0 4px; font-size: 24px; }
header p { margin: 0; color: var(--muted); }
#filter { margin: 12px 0 0; width: min(420px, 100%); padding: 8px 10px; font: inherit; border-radius: 8px; border: 1px solid #8886; background: var(--card); color: var(--ink); }
main { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 18px; padding: 16px 28px 40px; }
article { background: var(--card); border-radius: 12px; padding: 14px 16px; box-shadow: 0 1px 3px #0002; }
article h2 { margin: 0; font-size: 18px; }
.id { color: var(--muted); font-size: 13px; }
.thumbs { display: flex; flex-wrap: wrap; gap: 6px; margin: 10px 0; }
.thumbs a { display: block; line-height: 0; }
.thumbs img { height: 96px; width: auto; border-radius: 6px; background: #000; }
.tags span { display: inline-block; margin: 0 4px 4px 0; padding: 1px 8px; border-radius: 10px; background: #8882; font-size: 12px; }
h3 { margin: 10px 0 2px; font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
p.text { margin: 0; white-space: pre-wrap; }
details { margin-top: 8px; }
summary { cursor: pointer; color: var(--accent); }
video, .cine img { max-width: 100%; border-radius: 6px; background: #000; margin-top: 6px; }
ul.refs { margin: 2px 0; padding-left: 18px; font-size: 13px; overflow-wrap: anywhere; }
footer { padding: 0 28px 24px; color: var(--muted); font-size: 12px; }
"""

_SCRIPT = """
document.getElementById('filter').addEventListener('input', function (e) {
  var q = e.target.value.toLowerCase();
  document.querySelectorAll('article').forEach(function (a) {
    a.hidden = q && a.dataset.search.indexOf(q) < 0;
  });
});
"""


def _clean(text: str) -> str:
    return deidentify_text(text).text if text else text


def _rel(path: str) -> str:
    return escape("/".join(Path(path).parts), quote=True)


def _card(entry: CaseEntry) -> str:
    notes = entry.notes or {}
    title = _clean(entry.title) or entry.case_id.replace("-", " ")
    tags = [_clean(t) for t in entry.tags]
    diagnosis = _clean(entry.diagnosis)
    search = " ".join([title, entry.case_id, diagnosis, *tags, *entry.modalities]).lower()
    parts = [f'<article id="{escape(entry.case_id)}" data-search="{escape(search, quote=True)}">']
    parts.append(f"<h2>{escape(title)}</h2>")
    facts = [entry.case_id, " ".join(entry.modalities)]
    counts = [f"{entry.images} image{'s' if entry.images != 1 else ''}"]
    if entry.cine_loops:
        counts.append(f"{entry.cine_loops} cine loop{'s' if entry.cine_loops != 1 else ''}")
    parts.append(f'<div class="id">{escape(" · ".join(f for f in facts if f))} — {escape(", ".join(counts))}</div>')
    thumbs = entry.files.get("thumbs", [])
    images = entry.files.get("images", [])
    if thumbs:
        parts.append('<div class="thumbs">')
        for thumb, image in zip(thumbs, images):
            alt = _clean(entry.captions.get(image, "")) or "Key image"
            parts.append(f'<a href="{_rel(image)}"><img src="{_rel(thumb)}" alt="{escape(alt, quote=True)}" loading="lazy"></a>')
        parts.append("</div>")
    if tags:
        parts.append('<div class="tags">' + "".join(f"<span>{escape(t)}</span>" for t in tags) + "</div>")
    for heading, key in (("History", "history"), ("Findings", "findings")):
        if notes.get(key):
            parts.append(f'<h3>{heading}</h3><p class="text">{escape(_clean(notes[key]))}</p>')
    for heading, text in (notes.get("sections") or {}).items():
        if text:
            parts.append(f'<h3>{escape(_clean(heading))}</h3><p class="text">{escape(_clean(text))}</p>')
    for cine in entry.files.get("cine", []):
        if cine.endswith(".mp4"):
            media = f'<video src="{_rel(cine)}" controls loop muted playsinline preload="metadata"></video>'
        else:
            media = f'<div class="cine"><img src="{_rel(cine)}" alt="Cine loop" loading="lazy"></div>'
        parts.append(f"<details><summary>Cine loop {escape(Path(cine).stem)}</summary>{media}</details>")
    if diagnosis:
        parts.append(f'<details><summary>Show diagnosis</summary><p class="text">{escape(diagnosis)}</p></details>')
    refs = [_clean(r) for r in notes.get("references") or []]
    if refs:
        parts.append("<h3>References</h3><ul class=\"refs\">" + "".join(f"<li>{escape(r)}</li>" for r in refs) + "</ul>")
    if not entry.complete:
        parts.append(f'<p class="id">Some files of this case could not be exported ({entry.errors}); see the report.</p>')
    parts.append("</article>")
    return "\n".join(parts)


def render_casebook(entries: list[CaseEntry], title: str = "Teaching cases") -> str:
    entries = sorted(entries, key=lambda e: e.number)
    cards = "\n".join(_card(e) for e in entries) or "<p>No cases were exported.</p>"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' file: data:; media-src 'self' file:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="referrer" content="no-referrer">
<title>{escape(_clean(title))}</title>
<style>{_CSS}</style>
</head>
<body>
<header>
<h1>{escape(_clean(title))}</h1>
<p>{len(entries)} case{'s' if len(entries) != 1 else ''}, de-identified with RadShare {escape(__version__)}.</p>
<input id="filter" type="search" placeholder="Filter by title, tag, modality or diagnosis" aria-label="Filter cases">
</header>
<main>
{cards}
</main>
<footer>Opens offline: every file is inside this folder. Manifest: manifest.json, manifest.csv.</footer>
<script>{_SCRIPT}</script>
</body>
</html>
"""


def write_casebook(out: Path, entries: list[CaseEntry], title: str = "Teaching cases") -> Path:
    target = Path(out) / INDEX
    atomic_write_text(target, render_casebook(entries, title))
    return target
