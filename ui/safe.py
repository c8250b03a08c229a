"""Text from files and users shown as text (issue 12, item 7).

Streamlit renders Markdown in ``st.markdown``, ``st.caption``, ``st.info``…, in widget labels,
expander and tab titles, metric labels and help texts: ``![](http://x)`` would make every
viewer's browser fetch that address, ``[a](http://x)`` and bare ``http://x`` become links,
``:red[x]`` colours, ``$x$`` is LaTeX. Plotly reads a subset of HTML in every text of a
figure (``<a href>`` is a live link). So every value that came from a file or a user goes
through one of these before it reaches a Markdown string or a figure:

    st.markdown(f"**Tệp:** {safe.md(file_name)}")     # Markdown: every ASCII punctuation escaped
    st.plotly_chart(safe.figure(fig))                  # Plotly: every data text HTML-escaped

Where no formatting is needed, ``st.text``, ``st.code`` and ``st.dataframe`` show text as is.
"""

from __future__ import annotations

import html
import re
import unicodedata

# The characters that start Markdown or Streamlit markup: emphasis, code, links and images
# ("[" — so "](" and "![" cannot form), HTML and "<http://…>", ``$`` math, ``~`` strike,
# tables, attribute braces; a ":" that opens a ``:red[]`` directive, "_" at a word's edge, "#"
# at a line's start. Each is backslash-escaped (CommonMark: any ASCII punctuation may be);
# "(", "-", "." and the like stay as they are, so a sentence or a file name reads unchanged.
_MARKUP = frozenset("\\`*[]<>$~|{}@")  # "_" and "#": see _escaped
# Links and icons GFM and Streamlit find in the text itself, after backslash escapes are
# read ("http://…", "www.…", "a@b.vn", ":material/home:", ":smile:"): broken apart by an
# invisible WORD JOINER (U+2060) — the text reads the same, no link or icon can form.
JOINER = "\u2060"
_DIRECTIVE = re.compile(r"[\w-]*\[")
_BREAK_AFTER = re.compile(r"(?i)(?<=:)(?=//)|(?<=:)(?=material/)|(?<=:)(?=[a-z][a-z0-9_+-]*:)"
                          r"|(?<=\bwww)(?=\.)|(?<=[a-z0-9._+-])(?=@)")


def md(value) -> str:
    """``value`` as a piece of Markdown that renders as exactly its text: every character
    that could start markup (links, images, emphasis, HTML, Streamlit's ``:red[]``
    directives, ``$`` math, headings) is backslash-escaped, and the links and icons found in
    plain text ("http://", "www.", e-mail addresses, ``:material/…:``, emoji codes) are broken
    by an invisible joiner, so no link, image or icon appears; NFC."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    text = _BREAK_AFTER.sub(JOINER, text)
    return "".join("\\" + ch if _escaped(text, i) else ch for i, ch in enumerate(text))


def _escaped(text: str, i: int) -> bool:
    ch = text[i]
    if ch in _MARKUP:
        return True
    if ch == "_":  # inside a word ("lead_units") "_" never starts emphasis (CommonMark)
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        return not (before.isalnum() and after.isalnum())
    if ch == ":":  # a directive: ":red[…]", ":small[…]", ":blue-background[…]"
        return _DIRECTIVE.match(text, i + 1) is not None
    if ch == "#":  # a heading only at the start of a line
        return not text[:i].rpartition("\n")[2].strip()
    return False


def plotly_text(value):
    """One text for a Plotly figure, HTML-escaped (Plotly shows ``&lt;a&gt;`` as ``<a>``);
    anything not a string is returned as is."""
    if isinstance(value, str):
        return html.escape(value, quote=False)
    return value


# Figure attributes that carry data text (not templates, which we write ourselves).
_TRACE_TEXT = ("x", "y", "text", "hovertext", "labels", "ids", "name", "legendgroup")


def _escape_array(values):
    if values is None:
        return None
    if isinstance(values, str):
        return plotly_text(values)
    try:
        items = list(values)
    except TypeError:
        return values
    if not any(isinstance(v, str) for v in items):
        return values
    return [plotly_text(v) for v in items]


def figure(fig):
    """``fig`` with every text that can come from data HTML-escaped: trace coordinates,
    texts, hover texts, names; axis tick texts and category orders; annotation texts; the
    title. Hover and text templates are ours and keep their markup. Returns ``fig``."""
    if getattr(fig, "_cchc_safe", False):
        return fig
    for trace in fig.data:
        for attr in _TRACE_TEXT:
            if attr in trace and trace[attr] is not None:
                trace[attr] = _escape_array(trace[attr])
    layout = fig.layout
    for name in list(layout):
        if name.startswith(("xaxis", "yaxis")):
            axis = layout[name]
            for attr in ("ticktext", "categoryarray"):
                if axis[attr] is not None:
                    axis[attr] = _escape_array(axis[attr])
            if axis.title and axis.title.text:
                axis.title.text = plotly_text(axis.title.text)
    for ann in layout.annotations or ():
        if ann.text:
            ann.text = plotly_text(ann.text)
        for attr in ("x", "y"):  # a category the annotation sits at: escaped like the axis
            if isinstance(ann[attr], str):
                ann[attr] = plotly_text(ann[attr])
    if layout.title and layout.title.text:
        layout.title.text = plotly_text(layout.title.text)
    fig._cchc_safe = True
    return fig


def escaped(fig):
    """Mark a figure whose data texts were HTML-escaped where it was built (for instance with
    ``<br>`` line breaks of its own between escaped pieces): ``figure`` leaves it as it is."""
    fig._cchc_safe = True
    return fig
