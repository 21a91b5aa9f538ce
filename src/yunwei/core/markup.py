"""User-written Markdown to safe HTML: CommonMark (markdown-it-py) with raw HTML off,
then an allow-list sanitiser (nh3) over the result, so even a renderer bug cannot let a
script, an event handler or a `javascript:` link through."""

from __future__ import annotations

from markdown_it import MarkdownIt

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).enable(
    ["table", "strikethrough"]
)

# No images: a remote <img> would make every reader's browser fetch an address of the
# writer's choosing (tracking pixels, requests into the provider's network). Pictures
# travel as attachments.
ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"align"}}


def render_markdown(text: str) -> str:
    html = _renderer.render(text or "")
    return sanitize_html(html)


def sanitize_html(html: str) -> str:
    import nh3

    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
